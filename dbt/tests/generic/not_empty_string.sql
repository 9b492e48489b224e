{#- Fails on values that are empty or only whitespace. NULLs are not_null's concern. -#}
{% test not_empty_string(model, column_name) %}
select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} is not null
  and trim({{ column_name }}) = ''
{% endtest %}
