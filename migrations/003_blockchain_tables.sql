-- 003_blockchain_tables: tables of the blockchain schema and their indexes.
--
-- Same conventions as 002: id bigint GENERATED ALWAYS AS IDENTITY primary
-- keys, timestamptz NOT NULL DEFAULT now(), explicitly named constraints and
-- indexes. Amounts and balances are bigint in the smallest unit of the token.
-- blockchain.reward_history.tx_id references blockchain.fodi_transactions.tx_id
-- with ON DELETE SET NULL: a reward outlives a deleted transaction row.
-- Safe to re-run: CREATE TABLE / CREATE INDEX ... IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS blockchain.fodi_transactions (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    tx_id         varchar(255) NOT NULL,
    from_address  varchar(255),
    to_address    varchar(255) NOT NULL,
    amount        bigint       NOT NULL,
    tx_type       varchar(50)  NOT NULL,
    status        varchar(20)  NOT NULL DEFAULT 'pending',
    blockchain_tx varchar(255),
    metadata      jsonb,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    confirmed_at  timestamptz,
    CONSTRAINT fodi_transactions_pkey PRIMARY KEY (id),
    CONSTRAINT fodi_transactions_tx_id_key UNIQUE (tx_id),
    CONSTRAINT fodi_transactions_amount_check CHECK (amount > 0),
    CONSTRAINT fodi_transactions_tx_type_check CHECK (tx_type IN ('transfer', 'mint', 'burn', 'reward')),
    CONSTRAINT fodi_transactions_status_check CHECK (status IN ('pending', 'confirmed', 'failed'))
);
CREATE INDEX IF NOT EXISTS fodi_transactions_from_address_idx ON blockchain.fodi_transactions (from_address);
CREATE INDEX IF NOT EXISTS fodi_transactions_to_address_idx ON blockchain.fodi_transactions (to_address);
CREATE INDEX IF NOT EXISTS fodi_transactions_status_idx ON blockchain.fodi_transactions (status);
CREATE INDEX IF NOT EXISTS fodi_transactions_created_at_idx ON blockchain.fodi_transactions (created_at);
CREATE INDEX IF NOT EXISTS fodi_transactions_blockchain_tx_idx ON blockchain.fodi_transactions (blockchain_tx);
CREATE INDEX IF NOT EXISTS fodi_transactions_metadata_gin ON blockchain.fodi_transactions USING gin (metadata);

-- user_id is nullable: system wallets (treasury, mint authority) have no user.
CREATE TABLE IF NOT EXISTS blockchain.wallets (
    id                    bigint GENERATED ALWAYS AS IDENTITY,
    user_id               uuid,
    public_key            varchar(255) NOT NULL,
    encrypted_private_key text,
    wallet_type           varchar(50)  NOT NULL DEFAULT 'solana',
    balance               bigint       NOT NULL DEFAULT 0,
    created_at            timestamptz  NOT NULL DEFAULT now(),
    last_sync             timestamptz,
    metadata              jsonb,
    CONSTRAINT wallets_pkey PRIMARY KEY (id),
    CONSTRAINT wallets_public_key_key UNIQUE (public_key),
    CONSTRAINT wallets_balance_check CHECK (balance >= 0)
);
CREATE INDEX IF NOT EXISTS wallets_user_id_idx ON blockchain.wallets (user_id);
CREATE INDEX IF NOT EXISTS wallets_created_at_idx ON blockchain.wallets (created_at);

-- updated_at is kept current by a trigger (005).
CREATE TABLE IF NOT EXISTS blockchain.nft_metadata (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    mint_address  varchar(255) NOT NULL,
    name          varchar(255),
    symbol        varchar(10),
    uri           text,
    owner_address varchar(255),
    metadata      jsonb,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT nft_metadata_pkey PRIMARY KEY (id),
    CONSTRAINT nft_metadata_mint_address_key UNIQUE (mint_address)
);
CREATE INDEX IF NOT EXISTS nft_metadata_owner_address_idx ON blockchain.nft_metadata (owner_address);
CREATE INDEX IF NOT EXISTS nft_metadata_created_at_idx ON blockchain.nft_metadata (created_at);
CREATE INDEX IF NOT EXISTS nft_metadata_metadata_gin ON blockchain.nft_metadata USING gin (metadata);

-- order_id is the order id of the Go backend (public schema): no foreign key
-- across that ownership line.
CREATE TABLE IF NOT EXISTS blockchain.reward_history (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    user_id    uuid         NOT NULL,
    order_id   integer,
    amount     bigint       NOT NULL,
    reason     varchar(255),
    tx_id      varchar(255),
    created_at timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT reward_history_pkey PRIMARY KEY (id),
    CONSTRAINT reward_history_amount_check CHECK (amount > 0),
    CONSTRAINT reward_history_tx_id_fkey FOREIGN KEY (tx_id)
        REFERENCES blockchain.fodi_transactions (tx_id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS reward_history_user_id_idx ON blockchain.reward_history (user_id);
CREATE INDEX IF NOT EXISTS reward_history_order_id_idx ON blockchain.reward_history (order_id);
CREATE INDEX IF NOT EXISTS reward_history_tx_id_idx ON blockchain.reward_history (tx_id);
CREATE INDEX IF NOT EXISTS reward_history_created_at_idx ON blockchain.reward_history (created_at);
