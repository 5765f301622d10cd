-- Demo sales rows [start, end) of `total`, spread evenly over `days` days from `first_day`,
-- deterministic from the seed. Parameters, in order: seed, start, end, total, first_day, days.
-- Reads the temporary `demo_entities` table made by entities.sql.
INSERT INTO sales
WITH params AS (
    SELECT CAST(? AS BIGINT) AS seed, CAST(? AS BIGINT) AS first, CAST(? AS BIGINT) AS last,
           CAST(? AS DOUBLE) AS total, CAST(? AS DATE) AS first_day, CAST(? AS BIGINT) AS days
), numbered AS (
    SELECT r.i, p.seed, p.total, p.first_day, p.days,
           (SELECT count(*) FROM demo_entities) AS entities
    FROM params p, range(p.first, p.last) r(i)
), drawn AS (
    SELECT n.i, n.seed, e.*,
           n.first_day + CAST(floor(n.i * CAST(n.days AS DOUBLE) / n.total) AS INTEGER) AS day,
           year(n.first_day) AS first_year,
           (hash(n.i, n.seed, 11) % 1000000) / 1000000.0 AS u1,
           (hash(n.i, n.seed, 12) % 1000000) / 1000000.0 AS u2,
           (hash(n.i, n.seed, 13) % 1000000) / 1000000.0 AS u3,
           (hash(n.i, n.seed, 14) % 1000000) / 1000000.0 AS u4,
           (hash(n.i, n.seed, 15) % 1000000) / 1000000.0 AS u5
    FROM numbered n JOIN demo_entities e ON e.entity_no = n.i % n.entities
), valued AS (
    SELECT *,
           -- Festive months sell more; targets grow about 8 % a year.
           (1.0 + 0.18 * sin(2 * pi() * (month(day) - 7) / 12.0)) *
           (1.0 + 0.08 * (year(day) - first_year)) * size_factor AS scale
    FROM drawn
), amounts AS (
    SELECT i, entity_id, entity_name, entity_type, zone, state, channel_type, day,
           round(scale * 420 * (0.55 + 0.7 * u1) * performance, 2) AS lubricants_actual,
           round(scale * 420 * (0.9 + 0.2 * u5), 2) AS lubricants_target,
           round(scale * 260 * (0.55 + 0.7 * u2) * performance, 2) AS batteries_actual,
           round(scale * 260 * (0.9 + 0.2 * u1), 2) AS batteries_target,
           round(scale * 190 * (0.55 + 0.7 * u3) * performance, 2) AS tyres_actual,
           round(scale * 190 * (0.9 + 0.2 * u2), 2) AS tyres_target,
           round(scale * 130 * (0.55 + 0.7 * u4) * performance, 2) AS spares_actual,
           round(scale * 130 * (0.9 + 0.2 * u3), 2) AS spares_target
    FROM valued
)
SELECT i + 1, entity_id, entity_name, entity_type, zone, state, channel_type, day,
       lubricants_actual, lubricants_target, batteries_actual, batteries_target,
       tyres_actual, tyres_target, spares_actual, spares_target,
       round(lubricants_actual + batteries_actual + tyres_actual + spares_actual, 2),
       round(lubricants_target + batteries_target + tyres_target + spares_target, 2)
FROM amounts;
