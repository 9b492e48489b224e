{#- Part of the gold asset crypto_curated: Strata builds it, and runs its tests, whenever it
    builds that asset (dbtBuildModel selects config.meta.strata_asset). -#}
{{ config(materialized='view', meta={'strata_asset': 'crypto_curated'}) }}

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
