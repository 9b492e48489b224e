{#- Fails (one row) when the newest value of column_name is older than max_age_hours before
    the reference time (var as_of, else now), or when the model has no rows at all.
    This is how the layers' freshness policies are checked: dbt freshness only exists for
    sources, and a test attaches the result to the model it guards. -#}
{% test recency_check(model, column_name, max_age_hours, as_of=none) %}
with newest as (
    select
        max({{ column_name }}) as newest_at,
        {{ strata.as_of_timestamp(as_of) }} as reference_at
    from {{ model }}
)
select newest_at, reference_at, {{ max_age_hours }} as max_age_hours
from newest
where newest_at is null
   or reference_at is null
   or newest_at < {{ dbt.dateadd('hour', '-1 * (' ~ max_age_hours ~ ')', 'reference_at') }}
{% endtest %}
