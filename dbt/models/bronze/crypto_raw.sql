{{ raw_files_guard() }}

{#- Bronze keeps every landed record as it came, with types and its Kafka coordinates.
    No filtering and no cleaning: silver decides what is valid, bronze tests report it. -#}
with landed as (
    select * from {{ source('crypto_raw_data', 'crypto_raw_data') }}
)

select
    {{ kafka_record_key('kafka_topic', 'kafka_partition', 'kafka_offset') }} as record_key,
    cast(id as varchar) as id,
    cast(symbol as varchar) as symbol,
    cast(name as varchar) as name,
    cast(price as double) as price,
    cast(market_cap as double) as market_cap,
    cast(total_volume as double) as total_volume,
    cast(price_change_percentage_24h as double) as price_change_percentage_24h,
    {{ parse_timestamp('last_updated') }} as last_updated,
    cast(kafka_topic as varchar) as kafka_topic,
    cast(kafka_partition as integer) as kafka_partition,
    cast(kafka_offset as bigint) as kafka_offset,
    {{ parse_timestamp('kafka_timestamp') }} as kafka_timestamp,
    {{ parse_timestamp('ingested_at') }} as ingested_at,
    cast(year as integer) as year,
    cast(month as integer) as month,
    cast(day as integer) as day
from landed
