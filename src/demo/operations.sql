-- The demo's operations data: a week of per-minute CPU and memory samples for eight servers,
-- the current health of twelve services, and an error log. Deterministic from the seed kept in
-- the temporary table `demo_params`, whose `ops_end` is the minute the week ends at.
INSERT INTO metrics
WITH minutes AS (
    SELECT m, p.ops_end - INTERVAL 7 DAY + to_minutes(m) AS recorded_at
    FROM range(7 * 24 * 60) r(m), demo_params p
), servers AS (
    SELECT s, list_element(['web-01', 'web-02', 'web-03', 'api-01', 'api-02', 'db-01', 'db-02', 'cache-01'], s + 1) AS server_name
    FROM range(8) r(s)
), samples AS (
    SELECT m, s, recorded_at, server_name, p.seed,
           -- Daily load curve peaking mid-afternoon, plus per-server offset and noise.
           25 + 10 * s % 17
              + 20 * (1 + sin(2 * pi() * (hour(recorded_at) * 60 + minute(recorded_at) - 540) / 1440.0)) AS load
    FROM minutes, servers, demo_params p
)
SELECT recorded_at, kind, server_name,
       CASE WHEN kind = 'cpu'
            THEN round(least(99.5, greatest(1, load + 12 * ((hash(m, s, seed, 21) % 1000) / 1000.0 - 0.5)
                 + CASE WHEN hash(m, s, seed, 22) % 500 = 0 THEN 35 ELSE 0 END)), 2) END AS cpu_percent,
       CASE WHEN kind = 'memory'
            THEN round(least(99.0, 38 + 5 * s + 0.002 * (m % 2880) + 4 * ((hash(m, s, seed, 23) % 1000) / 1000.0)), 2)
            END AS memory_percent
FROM samples, (VALUES ('cpu'), ('memory')) k(kind);

INSERT INTO service_health
SELECT list_element(['checkout', 'payments', 'inventory', 'catalog', 'search', 'auth', 'orders',
                     'shipping', 'notifications', 'reporting', 'billing', 'gateway'], n + 1) AS name,
       CASE WHEN hash(n, seed, 31) % 10 < 7 THEN 0 WHEN hash(n, seed, 31) % 10 < 9 THEN 1 ELSE 2 END,
       ops_end - INTERVAL 1 MINUTE - to_seconds(CAST(hash(n, seed, 32) % 300 AS BIGINT)),
       NULL
FROM range(12) r(n), demo_params;
UPDATE service_health SET error_message = CASE last_check_status
    WHEN 1 THEN 'p95 latency above 800 ms for 5 minutes'
    WHEN 2 THEN 'health check failed: connection refused' END;

INSERT INTO error_logs
SELECT ops_end - INTERVAL 7 DAY + to_seconds(CAST(hash(n, seed, 41) % (7 * 86400) AS BIGINT)) AS timestamp,
       list_element(['checkout', 'payments', 'inventory', 'catalog', 'search', 'auth', 'orders',
                     'shipping', 'notifications', 'reporting', 'billing', 'gateway'],
                    CAST(hash(n, seed, 42) % 12 AS INTEGER) + 1) AS service,
       list_element(['upstream timed out after 30 s', 'connection reset by peer',
                     'payment provider returned 502', 'deadlock detected, transaction retried',
                     'disk usage above 90 %', 'certificate expires in 7 days',
                     'queue depth above 10,000 messages', 'null reference in order total'],
                    CAST(hash(n, seed, 43) % 8 AS INTEGER) + 1) AS error_message,
       list_element(['WARNING', 'WARNING', 'ERROR', 'ERROR', 'ERROR', 'CRITICAL'],
                    CAST(hash(n, seed, 44) % 6 AS INTEGER) + 1) AS severity
FROM range(3000) r(n), demo_params;
