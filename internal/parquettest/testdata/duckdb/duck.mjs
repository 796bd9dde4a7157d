// Runs SQL statements in an in-memory DuckDB: a JSON array of statements on
// stdin; prints the rows of the last one as a JSON array of objects (values
// in DuckDB's JSON-friendly form). Used by internal/parquettest.
import { DuckDBInstance } from '@duckdb/node-api';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const statements = JSON.parse(input);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
let rows = [];
for (const sql of statements) {
  const reader = await conn.runAndReadAll(sql);
  rows = reader.getRowObjectsJson();
}
process.stdout.write(JSON.stringify(rows));
