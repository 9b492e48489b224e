{#- The SQL of the models is shared by DuckDB and Athena; only these expressions differ. -#}

{#- ISO-8601 text (with Z or an offset) to a UTC TIMESTAMP; NULL when unparseable. -#}
{% macro parse_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'strata')(expression)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression) -%}
    cast(try(from_iso8601_timestamp({{ expression }})) at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- The session TimeZone is UTC (profiles.yml), so dropping the zone keeps UTC wall time. -#}
{% macro duckdb__parse_timestamp(expression) -%}
    cast(try_cast({{ expression }} as timestamptz) as timestamp)
{%- endmacro %}

{#- The current time as a UTC TIMESTAMP without zone, comparable with parsed columns. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'strata')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(current_timestamp as timestamp)
{%- endmacro %}

{#- A UTC timestamp literal from ISO-8601 text (T separator, as both engines parse it),
    validated: it comes from --vars. -#}
{% macro timestamp_literal(text) -%}
    {%- set iso = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:?\\d{2})?$' -%}
    {%- if not modules.re.match(iso, text | string) -%}
        {{ exceptions.raise_compiler_error("as_of must be an ISO-8601 timestamp such as 2026-11-25T12:00:00Z, got: " ~ text) }}
    {%- endif -%}
    {{ strata.parse_timestamp("'" ~ text ~ "'") }}
{%- endmacro %}

{#- The reference time for recency checks: var as_of when set (deterministic tests, replays),
    else now. -#}
{% macro as_of_timestamp(as_of=none) -%}
    {%- set value = as_of if as_of is not none else var('as_of', none) -%}
    {%- if value is none or value == '' -%}
        {{ strata.utc_now() }}
    {%- else -%}
        {{ strata.timestamp_literal(value) }}
    {%- endif -%}
{%- endmacro %}

{#- Identifies one Kafka record: topic+partition+offset, the same shape as object keys. -#}
{% macro kafka_record_key(topic, partition, offset) -%}
    {{ topic }} || '+' || cast({{ partition }} as varchar) || '+' || cast({{ offset }} as varchar)
{%- endmacro %}
