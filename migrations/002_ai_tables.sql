-- 002_ai_tables: tables of the ai schema and their indexes.
--
-- Every table has id bigint GENERATED ALWAYS AS IDENTITY as its primary key.
-- Timestamps are timestamptz NOT NULL DEFAULT now().
-- Constraints and indexes carry explicit names (the default names of PostgreSQL
-- where one exists), so a database built by the old shell loop matches them.
-- GIN indexes use the default jsonb_ops class: they serve @>, ?, ?| and ?&.
-- Safe to re-run: CREATE TABLE / CREATE INDEX ... IF NOT EXISTS.

-- Cached model responses, looked up by cache_key and purged by expires_at
-- (see ai.cleanup_expired_cache() in 005).
CREATE TABLE IF NOT EXISTS ai.cache_entries (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    cache_key     varchar(255)     NOT NULL,
    query         text             NOT NULL,
    response      text             NOT NULL,
    model         varchar(50),
    cached_at     timestamptz      NOT NULL DEFAULT now(),
    expires_at    timestamptz      NOT NULL,
    hit_count     integer          NOT NULL DEFAULT 0,
    quality_score double precision,
    CONSTRAINT cache_entries_pkey PRIMARY KEY (id),
    CONSTRAINT cache_entries_cache_key_key UNIQUE (cache_key),
    CONSTRAINT cache_entries_hit_count_check CHECK (hit_count >= 0)
);
CREATE INDEX IF NOT EXISTS cache_entries_expires_at_idx ON ai.cache_entries (expires_at);
CREATE INDEX IF NOT EXISTS cache_entries_model_idx ON ai.cache_entries (model);

-- Facts the assistant remembers about a user and/or a business.
CREATE TABLE IF NOT EXISTS ai.memory_facts (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     uuid,
    business_id uuid,
    fact_type   varchar(50)      NOT NULL,
    fact_data   jsonb            NOT NULL,
    confidence  double precision NOT NULL DEFAULT 1.0,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    updated_at  timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT memory_facts_pkey PRIMARY KEY (id),
    CONSTRAINT memory_facts_confidence_check CHECK (confidence >= 0 AND confidence <= 1)
);
CREATE INDEX IF NOT EXISTS memory_facts_user_id_idx ON ai.memory_facts (user_id);
CREATE INDEX IF NOT EXISTS memory_facts_business_id_idx ON ai.memory_facts (business_id);
CREATE INDEX IF NOT EXISTS memory_facts_fact_type_idx ON ai.memory_facts (fact_type);
CREATE INDEX IF NOT EXISTS memory_facts_fact_data_gin ON ai.memory_facts USING gin (fact_data);

-- Chat messages, grouped by session. content may be NULL (an assistant turn
-- that only calls tools keeps its calls in metadata).
CREATE TABLE IF NOT EXISTS ai.conversations (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    user_id    uuid,
    session_id uuid        NOT NULL DEFAULT gen_random_uuid(),
    role       varchar(20) NOT NULL,
    content    text,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_pkey PRIMARY KEY (id),
    CONSTRAINT conversations_role_check CHECK (role IN ('user', 'assistant', 'system', 'tool'))
);
CREATE INDEX IF NOT EXISTS conversations_user_id_idx ON ai.conversations (user_id);
CREATE INDEX IF NOT EXISTS conversations_session_id_created_at_idx ON ai.conversations (session_id, created_at);
CREATE INDEX IF NOT EXISTS conversations_created_at_idx ON ai.conversations (created_at);
CREATE INDEX IF NOT EXISTS conversations_metadata_gin ON ai.conversations USING gin (metadata);

-- Input/output pairs with feedback, for later tuning.
CREATE TABLE IF NOT EXISTS ai.learning_data (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    category       varchar(100)     NOT NULL,
    input_data     jsonb            NOT NULL,
    output_data    jsonb,
    feedback_score double precision,
    created_at     timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT learning_data_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS learning_data_category_idx ON ai.learning_data (category);
CREATE INDEX IF NOT EXISTS learning_data_created_at_idx ON ai.learning_data (created_at);
CREATE INDEX IF NOT EXISTS learning_data_input_data_gin ON ai.learning_data USING gin (input_data);
CREATE INDEX IF NOT EXISTS learning_data_output_data_gin ON ai.learning_data USING gin (output_data);
