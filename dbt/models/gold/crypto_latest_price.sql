{{ config(materialized='view') }}

{#- The KPI a dashboard shows first: each coin's newest price, with its age. -#}
select
    id as coin_id,
    symbol,
    name,
    price,
    market_cap,
    total_volume,
    price_change_percentage_24h,
    last_updated,
    {{ dbt.datediff('last_updated', utc_now(), 'second') }} as age_seconds
from (
    select
        *,
        row_number() over (partition by id order by last_updated desc) as recency_rank
    from {{ ref('crypto_stage') }}
) as ranked
where recency_rank = 1
