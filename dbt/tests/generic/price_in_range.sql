{#- Fails on prices outside (min_value, max_value]: a price of exactly min_value (0 by default)
    is not a price. NULLs are not_null's concern. -#}
{% test price_in_range(model, column_name, min_value=none, max_value=none) %}
{%- set low = min_value if min_value is not none else var('min_price') -%}
{%- set high = max_value if max_value is not none else var('max_price') -%}
select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} is not null
  and ({{ column_name }} <= {{ low }} or {{ column_name }} > {{ high }})
{% endtest %}
