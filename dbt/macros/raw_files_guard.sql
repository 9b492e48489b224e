{#- Without this, an empty lake fails the bronze model with DuckDB's bare "No files found".
    We choose to fail clearly instead of building an empty bronze table: an empty table would
    pass not_null/unique tests and hide that ingest has not landed anything yet. -#}
{% macro raw_files_guard() -%}
    {{ return(adapter.dispatch('raw_files_guard', 'strata')()) }}
{%- endmacro %}

{#- Athena: the external table exists whether or not objects do; an empty scan is not an error. -#}
{% macro default__raw_files_guard() -%}
{%- endmacro %}

{% macro duckdb__raw_files_guard() -%}
    {%- if execute -%}
        {%- set raw = graph.sources['source.strata.crypto_raw_data.crypto_raw_data'] -%}
        {%- set pattern = raw.config.meta.raw_glob or raw.meta.raw_glob -%}
        {%- set found = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')") -%}
        {%- if found.columns[0].values()[0] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No raw data: no JSON Lines files match " ~ pattern
                ~ ". Run `strata ingest` first, or point STRATA_LAKE_PATH (or --vars lake_path)"
                ~ " at the lake root that holds crypto_data/.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
