CREATE TABLE customers (
  id          integer PRIMARY KEY,
  code        text NOT NULL,
  big         bigint,
  score       double precision,
  amount      numeric(12,2),
  active      boolean,
  born        date,
  seen_at     timestamptz,
  attrs       jsonb,
  blob        bytea,
  tags        integer[]
);
COMMENT ON TABLE customers IS 'test customers';
INSERT INTO customers
SELECT i, 'C-' || lpad(i::text, 5, '0'), i::bigint * 1000000007, i / 7.0, (i * 3.25)::numeric(12,2),
       i % 2 = 0, DATE '2020-01-01' + i, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * interval '1 hour',
       jsonb_build_object('i', i, 'even', i % 2 = 0), decode(lpad(to_hex(i), 8, '0'), 'hex'),
       ARRAY[i, i + 1]
FROM generate_series(1, 5000) AS i;
INSERT INTO customers (id, code) VALUES (0, 'NULLS');
CREATE VIEW active_customers AS SELECT id, code FROM customers WHERE active;
