-- The demo's distributors, dealers and retailers, deterministic from the seed. Parameters: seed,
-- number of entities. Makes the temporary table `demo_entities` that sales.sql reads.
CREATE OR REPLACE TEMP TABLE demo_entities AS
WITH params AS (SELECT CAST(? AS BIGINT) AS seed, CAST(? AS BIGINT) AS n),
base AS (
    SELECT e AS entity_no, p.seed,
           CAST(hash(e, p.seed, 3) % 5 AS INTEGER) + 1 AS zone_no
    FROM params p, range(p.n) r(e)
), states AS (
    SELECT *,
           list_element(['NORTH', 'SOUTH', 'EAST', 'WEST', 'CENTRAL'], zone_no) AS zone,
           list_element([
               ['Delhi', 'Punjab', 'Haryana', 'Uttar Pradesh', 'Rajasthan'],
               ['Karnataka', 'Tamil Nadu', 'Kerala', 'Telangana', 'Andhra Pradesh'],
               ['West Bengal', 'Odisha', 'Bihar', 'Assam', 'Jharkhand'],
               ['Maharashtra', 'Gujarat', 'Goa'],
               ['Madhya Pradesh', 'Chhattisgarh']
           ], zone_no) AS zone_states
    FROM base
)
SELECT
    entity_no,
    printf('ENT-%05d', entity_no + 1) AS entity_id,
    list_element(['Apex', 'Bharat', 'Crest', 'Delta', 'Evergreen', 'Fortune', 'Galaxy', 'Horizon',
                  'Indus', 'Jupiter', 'Kaveri', 'Lotus', 'Meridian', 'Narmada', 'Orion',
                  'Pinnacle', 'Quest', 'Royal', 'Summit', 'Trident'],
                 CAST(hash(entity_no, seed, 1) % 20 AS INTEGER) + 1)
        || ' ' ||
    list_element(['Motors', 'Traders', 'Distributors', 'Agencies', 'Enterprises', 'Auto Parts',
                  'Lubes', 'Sales', 'Retail', 'Mart'],
                 CAST(hash(entity_no, seed, 2) % 10 AS INTEGER) + 1)
        || ' ' || printf('%03d', entity_no + 1) AS entity_name,
    list_element(['Distributor', 'Dealer', 'Dealer', 'Retailer', 'Retailer', 'Retailer'],
                 CAST(hash(entity_no, seed, 4) % 6 AS INTEGER) + 1) AS entity_type,
    zone,
    list_element(zone_states, CAST(hash(entity_no, seed, 5) % len(zone_states) AS INTEGER) + 1) AS state,
    list_element(['General Trade', 'General Trade', 'Modern Trade', 'E-commerce', 'Institutional'],
                 CAST(hash(entity_no, seed, 6) % 5 AS INTEGER) + 1) AS channel_type,
    0.4 + (hash(entity_no, seed, 7) % 1000) / 400.0 AS size_factor,
    -- Zones differ in how well they meet their targets.
    list_element([0.98, 0.93, 0.88, 1.04, 0.95], zone_no) + (hash(entity_no, seed, 8) % 100) / 1000.0 - 0.05
        AS performance
FROM states;
