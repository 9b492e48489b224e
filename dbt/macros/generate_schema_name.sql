{#- Layers live in schemas named exactly bronze, silver and gold (not <target>_bronze): the
    orchestrator, the status checks and Athena users all address them by these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
