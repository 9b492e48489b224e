{#- One row per coin and hour: OHLC, average, volume and change, from deduplicated silver.
    Rebuilt as a table each run: hours can still receive late records, and the table is small. -#}
select
    id || '|' || cast(price_hour as varchar) as curated_key,
    id as coin_id,
    max_by(symbol, last_updated) as symbol,
    max_by(name, last_updated) as name,
    price_hour as hour_start,
    min_by(price, last_updated) as open_price,
    max(price) as high_price,
    min(price) as low_price,
    max_by(price, last_updated) as close_price,
    avg(price) as avg_price,
    max_by(total_volume, last_updated) as volume_24h,
    max_by(market_cap, last_updated) as market_cap,
    max_by(price, last_updated) - min_by(price, last_updated) as price_change,
    100 * (max_by(price, last_updated) - min_by(price, last_updated))
        / min_by(price, last_updated) as price_change_pct,
    count(*) as record_count,
    min(last_updated) as first_record_at,
    max(last_updated) as last_record_at
from {{ ref('crypto_stage') }}
group by id, price_hour
