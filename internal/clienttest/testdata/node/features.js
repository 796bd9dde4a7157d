// node-postgres reads features through featuregate: prepared (named)
// AS OF queries and online lookups.
//
//   node features.js <postgres-url> <user1> <user2>
'use strict'

const { Client } = require('pg')

const ASOF_CONST = 'SELECT user_id, months_active, round(watch_hours_30d::numeric, 2)::text AS watch ' +
  'FROM features AS OF $1 WHERE user_id = $2'
const ASOF_SPINE = 'SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch ' +
  'FROM (VALUES ($2::text, $1::timestamptz)) AS s(user_id, t) LEFT JOIN features AS OF s.t f USING (user_id)'
const LOOKUP = 'SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = $1'

function cell (v) {
  if (v === null) return 'NULL'
  if (typeof v === 'number') return v.toFixed(2)
  return String(v)
}

async function print (client, kind, query) {
  const res = await client.query(query)
  for (const row of res.rows) console.log(kind + ' ' + res.fields.map(f => cell(row[f.name])).join(' '))
}

async function main () {
  const [url, u1, u2] = process.argv.slice(2)
  const client = new Client({ connectionString: url })
  await client.connect()
  const t = '2024-01-31T00:00:00Z'
  for (const user of [u1, u2]) {
    await print(client, 'asof-const', { name: 'asof_const', text: ASOF_CONST, values: [t, user] })
    await print(client, 'asof-spine', { name: 'asof_spine', text: ASOF_SPINE, values: [t, user] })
  }
  for (const user of [u1, 'nobody', u2, u1, u2, u1]) {
    await print(client, 'lookup', { name: 'lookup', text: LOOKUP, values: [user] })
  }
  // a BI tool's preview: the one-time form, with a notice saying so
  const notices = []
  client.on('notice', n => notices.push(n.message))
  const preview = await client.query('SELECT * FROM subs_profile_fv LIMIT 2')
  console.log('preview ' + preview.rows.length + ' ' + preview.fields.slice(0, 3).map(f => f.name).join(',') +
    ' notice ' + notices.some(m => m.includes('read at now() on the offline PostgreSQL')))
  await client.end()
}

main().catch(err => { console.error(err); process.exit(1) })
