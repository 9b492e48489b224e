{#- Fails on every record whose id was already seen at most tolerance_seconds earlier
    (0 = the same timestamp twice; compared in milliseconds, because
    whole seconds would flag distinct prices sent within one second). lookback_hours limits the check to recent data (relative
    to var as_of, else now) so it stays cheap on large tables; none checks every row. -#}
{% test no_duplicate_ids(model, column_name, timestamp_column, tolerance_seconds=0, lookback_hours=none) %}
with recent as (
    select {{ column_name }} as id_value, {{ timestamp_column }} as observed_at
    from {{ model }}
    where {{ column_name }} is not null
      and {{ timestamp_column }} is not null
    {%- if lookback_hours is not none and lookback_hours | string != 'None' %}
      and {{ timestamp_column }} >= {{ dbt.dateadd('hour', '-1 * (' ~ lookback_hours ~ ')', strata.as_of_timestamp()) }}
    {%- endif %}
),

sequenced as (
    select
        id_value,
        observed_at,
        lag(observed_at) over (partition by id_value order by observed_at) as previous_at
    from recent
)

select id_value, observed_at, previous_at
from sequenced
where previous_at is not null
  and {{ dbt.datediff('previous_at', 'observed_at', 'millisecond') }} <= {{ tolerance_seconds }} * 1000
{% endtest %}
