// A node-postgres client for featuregate's compatibility tests. It runs one
// scenario against the server it is given and prints what the driver saw,
// as canonical JSON lines, so that the output through the gateway can be
// compared with the output against PostgreSQL directly.
//
//   node client.js <postgres-url> <scenario>
//
// Scenarios: basic, prepared, tx, errors, big, cursor.
'use strict'

process.env.TZ = 'UTC' // JavaScript Dates (date, timestamptz) render alike anywhere

const crypto = require('crypto')
const { Client } = require('pg')
const Cursor = require('pg-cursor')

// canonical turns what pg returned into plain JSON values, keeping the
// JavaScript type visible: Buffers as hex, Dates as ISO strings.
function canonical (v) {
  if (v === null || v === undefined) return v === null ? null : '<undefined>'
  if (Buffer.isBuffer(v)) return { buffer: v.toString('hex') }
  if (v instanceof Date) return { date: isNaN(v) ? String(v) : v.toISOString() }
  if (Array.isArray(v)) return v.map(canonical)
  if (typeof v === 'number' && !Number.isFinite(v)) return { number: String(v) }
  if (typeof v === 'bigint') return { bigint: v.toString() }
  if (typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v).sort()) o[k] = canonical(v[k])
    return o
  }
  return v
}

function typed (v) {
  if (v === null) return null
  return { [Buffer.isBuffer(v) ? 'Buffer' : v instanceof Date ? 'Date' : Array.isArray(v) ? 'Array' : typeof v]: canonical(v) }
}

function out (label, value) {
  console.log(label + ' ' + JSON.stringify(value))
}

// show prints a result: command, row count, fields and typed rows.
function show (label, res) {
  out(label, {
    command: res.command,
    rowCount: res.rowCount,
    fields: res.fields.map(f => f.name + ':' + f.dataTypeID),
    rows: res.rows.map(r => Array.isArray(r) ? r.map(typed) : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typed(v)])))
  })
}

function showError (label, err) {
  out(label, { code: err.code, severity: err.severity, message: err.message, position: err.position })
}

async function expectError (label, fn) {
  try {
    const res = await fn()
    out(label + ' NO ERROR', res && res.rows ? res.rows : null)
  } catch (err) {
    showError(label, err)
  }
}

const TYPES = 'SELECT id, i, b, f, n, t, ok, d, ts, j, by, arr FROM node_types'

const scenarios = {
  // basic: simple-protocol queries and parameterized ($1, $2) queries.
  async basic (c) {
    show('types', await c.query(TYPES + ' ORDER BY id'))
    show('params', await c.query('SELECT $1::int + 1 AS i, $2::text AS t, $3::bigint AS b, $4::numeric AS n, $5::bool AS ok, ' +
      '$6::float8 AS f, $7::date AS d, $8::timestamptz AS ts, $9::jsonb AS j, $10::bytea AS by, $11::int[] AS arr, $12::text AS nothing',
    [41, 'héllo ✓', '9223372036854775807', '-1234567890.0987654321', true, 2.5, '2024-02-29',
      new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123)), { k: [1, 'two', null] }, Buffer.from([0, 1, 254, 255]), [3, null, 5], null]))
    show('by id', await c.query(TYPES + ' WHERE id = $1 OR t = $2 ORDER BY id', [2, 'héllo, wörld ✓']))
    show('array mode', await c.query({ text: 'SELECT $1::int AS a, $1::int * 2 AS a', values: [21], rowMode: 'array' }))
    const multi = await c.query('SELECT 1 AS one; SELECT 2 AS two, 3 AS three; SELECT count(*) AS n FROM node_types')
    multi.forEach((r, i) => show('multi ' + i, r))
    show('empty', await c.query('SELECT id FROM node_types WHERE false'))
    show('timezone', await c.query('SHOW TimeZone'))
    show('no rows command', await c.query('SET statement_timeout = 0'))
  },

  // prepared: a named prepared statement executed several times.
  async prepared (c) {
    for (let k = 1; k <= 8; k++) {
      show('q1 k=' + k, await c.query({ name: 'q1', text: TYPES + ' WHERE id = $1', values: [(k % 3) + 1] }))
    }
    for (let k = 0; k < 6; k++) {
      show('q2 k=' + k, await c.query({
        name: 'q2',
        text: 'SELECT $1::int * 10 AS ten, $2::text || $2::text AS twice, $3::date + 1 AS next_day, $4::numeric * 3 AS n3',
        values: k === 5 ? [null, null, null, null] : [k, 'x' + k, '2024-12-3' + (k % 2), (0.1 * k).toFixed(1)]
      }))
    }
    show('statements', await c.query("SELECT name, from_sql, parameter_types::text AS params FROM pg_prepared_statements WHERE name IN ('q1', 'q2') ORDER BY name"))
  },

  // tx: a transaction with a TEMP table, commit and rollback.
  async tx (c) {
    show('begin', await c.query('BEGIN'))
    show('create', await c.query('CREATE TEMP TABLE node_tmp (id int PRIMARY KEY, v text NOT NULL)'))
    for (let k = 1; k <= 5; k++) {
      await c.query({ name: 'ins', text: 'INSERT INTO node_tmp VALUES ($1, $2)', values: [k, 'committed ' + k] })
    }
    show('commit', await c.query('COMMIT'))
    await c.query('BEGIN')
    show('insert more', await c.query("INSERT INTO node_tmp SELECT g, 'rolled back' FROM generate_series(6, 8) g"))
    show('in tx', await c.query('SELECT count(*) AS n FROM node_tmp'))
    show('rollback', await c.query('ROLLBACK'))
    show('after rollback', await c.query('SELECT count(*) AS n FROM node_tmp'))
    await c.query('BEGIN')
    await c.query({ name: 'ins', text: 'INSERT INTO node_tmp VALUES ($1, $2)', values: [100, 'kept'] })
    await c.query('SAVEPOINT sp')
    await expectError('duplicate', () => c.query('INSERT INTO node_tmp VALUES ($1, $2)', [1, 'dup']))
    await c.query('ROLLBACK TO SAVEPOINT sp')
    show('update', await c.query("UPDATE node_tmp SET v = v || '!' WHERE id <= $1 RETURNING id, v", [2]))
    await c.query('COMMIT')
    show('final', await c.query('SELECT id, v FROM node_tmp ORDER BY id'))
  },

  // errors: SQLSTATE in err.code, and the connection goes on.
  async errors (c) {
    await expectError('division', () => c.query('SELECT 1/0'))
    show('after division', await c.query('SELECT 1 AS ok'))
    await expectError('division with params', () => c.query('SELECT $1::int / $2::int AS q', [1, 0]))
    show('after params error', await c.query('SELECT $1::int AS ok', [2]))
    await expectError('syntax', () => c.query('SELEC 1'))
    await expectError('undefined table', () => c.query('SELECT * FROM node_nope WHERE id = $1', [1]))
    await expectError('bad input', () => c.query('SELECT $1::int AS i', ['abc']))
    for (let k = 1; k <= 4; k++) {
      const q = { name: 'div', text: 'SELECT 100 / $1::int AS q', values: [k === 3 ? 0 : k] }
      if (k === 3) await expectError('named division', () => c.query(q))
      else show('named k=' + k, await c.query(q))
    }
    await c.query('BEGIN')
    await expectError('tx division', () => c.query('SELECT 1/0'))
    await expectError('tx aborted', () => c.query('SELECT 1'))
    show('rollback', await c.query('ROLLBACK'))
    show('after rollback', await c.query('SELECT 3 AS ok'))
    show('final', await c.query('SELECT 4 AS ok'))
  },

  // big: 12,000 rows in one result, simple and extended protocol.
  async big (c) {
    for (const [label, q] of [
      ['simple', 'SELECT id, md5(id::text) AS h, id::bigint * 1000 AS b FROM node_big ORDER BY id'],
      ['extended', { text: 'SELECT id, md5(id::text) AS h, id::bigint * 1000 AS b FROM node_big WHERE id > $1 ORDER BY id', values: [0] }]
    ]) {
      const res = await c.query(q)
      const h = crypto.createHash('sha256')
      let sum = 0
      for (const r of res.rows) {
        h.update(r.id + ',' + r.h + ',' + r.b + '\n')
        sum += r.id
      }
      out('big ' + label, { rowCount: res.rowCount, rows: res.rows.length, sum, first: res.rows[0], last: res.rows[res.rows.length - 1], sha256: h.digest('hex') })
    }
  },

  // cursor: pg-cursor reads in batches of 100 (a portal, Execute with a
  // row limit, PortalSuspended).
  async cursor (c) {
    const cursor = c.query(new Cursor('SELECT id, md5(id::text) AS h FROM node_big WHERE id > $1 ORDER BY id', [500]))
    const sizes = {}
    let batches = 0
    let rows = 0
    let sum = 0
    let first = null
    let last = null
    const h = crypto.createHash('sha256')
    for (;;) {
      const batch = await cursor.read(100)
      if (batch.length === 0) break
      batches++
      sizes[batch.length] = (sizes[batch.length] || 0) + 1
      for (const r of batch) {
        if (first === null) first = r
        last = r
        rows++
        sum += r.id
        h.update(r.id + ',' + r.h + '\n')
      }
    }
    await cursor.close()
    out('cursor', { batches, sizes, rows, sum, first, last, sha256: h.digest('hex') })

    // Closed early, then the connection goes on.
    const early = c.query(new Cursor('SELECT id FROM node_big ORDER BY id'))
    const two = await early.read(100)
    const more = await early.read(50)
    await early.close()
    out('early close', { first: two.length, second: more.length, firstId: two[0].id, lastId: more[more.length - 1].id })
    show('after cursor', await c.query('SELECT count(*) AS n FROM node_big'))

    // An error in a later batch.
    const failing = c.query(new Cursor('SELECT 1 / (g - 250) AS x FROM generate_series(1, 1000) AS g'))
    let got = 0
    try {
      for (;;) {
        const b = await failing.read(100)
        if (b.length === 0) break
        got += b.length
      }
      out('cursor error', { none: true, got })
    } catch (err) {
      showError('cursor error after ' + got, err)
    }
    await failing.close().catch(() => {})
    show('after cursor error', await c.query('SELECT 5 AS ok'))

    // Inside a transaction, two cursors interleaved.
    await c.query('BEGIN')
    const a = c.query(new Cursor('SELECT id FROM node_big ORDER BY id'))
    const firstA = await a.read(100)
    await a.close()
    const b = c.query(new Cursor('SELECT id FROM node_big ORDER BY id DESC'))
    const firstB = await b.read(100)
    await b.close()
    await c.query('COMMIT')
    out('tx cursors', { a: [firstA.length, firstA[0].id], b: [firstB.length, firstB[0].id] })
  }
}

async function main () {
  const [url, scenario] = process.argv.slice(2)
  if (!url || !scenarios[scenario]) {
    console.error('usage: node client.js <postgres-url> <' + Object.keys(scenarios).join('|') + '>')
    process.exit(2)
  }
  const c = new Client({ connectionString: url })
  c.on('error', err => { console.error('client error', err); process.exit(1) })
  await c.connect()
  try {
    await scenarios[scenario](c)
  } finally {
    await c.end()
  }
  console.log('done')
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
