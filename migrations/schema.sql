-- The schema the migrations build (pg_dump --schema-only --no-owner --no-privileges --no-comments, normalised).
-- Generated: do not edit. After adding a migration, run `npm run migration:check -- --write` and review the diff of migrations/schema.sql.
CREATE FUNCTION public.audit_events_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      IF current_setting('app.audit_retention', true) = 'on' THEN
        RETURN OLD;
      END IF;
      IF TG_ARGV[0] = 'tenant' AND pg_trigger_depth() > 1 THEN
        IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
          RETURN OLD;
        END IF;
      END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END
  $$;

CREATE FUNCTION public.audit_pending_events_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      IF current_setting('app.audit_sealing', true) = 'on' THEN
        RETURN OLD;
      END IF;
      IF TG_ARGV[0] = 'tenant' AND pg_trigger_depth() > 1 THEN
        IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
          RETURN OLD;
        END IF;
      END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END
  $$;

CREATE FUNCTION public.scim_custom_keys(doc jsonb, urn text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ BEGIN RETURN COALESCE((SELECT jsonb_object_agg(lower(a.key), (
        SELECT COALESCE(jsonb_agg(CASE jsonb_typeof(v) WHEN 'string' THEN to_jsonb(lower(v #>> '{}')) ELSE v END), '[]')
        FROM jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) v))
      FROM jsonb_each(CASE WHEN jsonb_typeof(doc -> urn) = 'object' THEN doc -> urn
        ELSE '{}'::jsonb END) a), '{}'::jsonb); END $$;

CREATE FUNCTION public.scim_email_keys(doc jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ BEGIN RETURN ARRAY(SELECT lower(e ->> 'value') FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(doc -> 'emails') = 'array' THEN doc -> 'emails' ELSE '[]'::jsonb END) e
      WHERE e ->> 'value' IS NOT NULL); END $$;

CREATE FUNCTION public.scim_without_custom(doc jsonb, urn text, name text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN (doc -> urn) - name = '{}'::jsonb
        THEN (doc - urn) || jsonb_build_object('schemas', COALESCE(
          (SELECT jsonb_agg(s) FROM jsonb_array_elements(doc -> 'schemas') s WHERE s <> to_jsonb(urn)),
          '[]'::jsonb))
        ELSE doc #- ARRAY[urn, name] END $$;

CREATE TABLE public.api_keys (
    key_id text NOT NULL,
    kind text NOT NULL,
    tenant_id uuid,
    name text NOT NULL,
    secret_hash bytea NOT NULL,
    last_four text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    role text,
    CONSTRAINT api_keys_kind_owner CHECK ((((kind = 'ksc'::text) AND (tenant_id IS NOT NULL)) OR ((kind = 'kst'::text) AND (tenant_id IS NULL)))),
    CONSTRAINT api_keys_role_of_kind CHECK ((((kind = 'kst'::text) AND (role = ANY (ARRAY['admin'::text, 'support'::text, 'consumer'::text]))) OR ((kind = 'ksc'::text) AND (role IS NULL)))),
    CONSTRAINT api_keys_secret_hash_sha256 CHECK ((octet_length(secret_hash) = 32))
);

CREATE TABLE public.audit_chain_heads (
    tenant_id uuid NOT NULL,
    last_seq bigint DEFAULT 0 NOT NULL,
    last_hash text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'::text NOT NULL,
    anchor_seq bigint DEFAULT 1 NOT NULL,
    anchor_prev_hash text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'::text NOT NULL,
    CONSTRAINT audit_chain_heads_anchor_prev_hash_check CHECK ((anchor_prev_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT audit_chain_heads_last_hash_check CHECK ((last_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY public.audit_chain_heads FORCE ROW LEVEL SECURITY;

CREATE TABLE public.audit_events (
    tenant_id uuid NOT NULL,
    seq bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    request_id text,
    source_ip text,
    actor_type text NOT NULL,
    actor_id text,
    actor_name text,
    action text NOT NULL,
    resource_type text,
    resource_id text,
    resource_name text,
    outcome text NOT NULL,
    status integer,
    scim_type text,
    changes jsonb,
    request jsonb,
    prev_hash text NOT NULL,
    row_hash text NOT NULL,
    CONSTRAINT audit_events_actor_type_check CHECK ((actor_type = ANY (ARRAY['token'::text, 'staff'::text, 'system'::text]))),
    CONSTRAINT audit_events_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'failure'::text]))),
    CONSTRAINT audit_events_prev_hash_check CHECK ((prev_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT audit_events_row_hash_check CHECK ((row_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT audit_events_seq_check CHECK ((seq > 0))
);

ALTER TABLE ONLY public.audit_events FORCE ROW LEVEL SECURITY;

CREATE TABLE public.audit_pending_events (
    tenant_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    occurred_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    request_id text,
    source_ip text,
    actor_type text NOT NULL,
    actor_id text,
    actor_name text,
    action text NOT NULL,
    resource_type text,
    resource_id text,
    resource_name text,
    outcome text NOT NULL,
    status integer,
    scim_type text,
    changes jsonb,
    request jsonb,
    CONSTRAINT audit_pending_events_actor_type_check CHECK ((actor_type = ANY (ARRAY['token'::text, 'staff'::text, 'system'::text]))),
    CONSTRAINT audit_pending_events_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'failure'::text])))
);

ALTER TABLE ONLY public.audit_pending_events FORCE ROW LEVEL SECURITY;

CREATE TABLE public.change_events (
    tenant_id uuid NOT NULL,
    "position" bigint NOT NULL,
    id uuid NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    tenant_slug text NOT NULL,
    type text NOT NULL,
    resource_type text NOT NULL,
    resource_id text NOT NULL,
    external_id text,
    name text,
    data jsonb
);

ALTER TABLE ONLY public.change_events FORCE ROW LEVEL SECURITY;

CREATE TABLE public.change_events_pending (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    queued_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    ordinal integer NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    tenant_slug text NOT NULL,
    type text NOT NULL,
    resource_type text NOT NULL,
    resource_id text NOT NULL,
    external_id text,
    name text,
    data jsonb
);

ALTER TABLE ONLY public.change_events_pending FORCE ROW LEVEL SECURITY;

CREATE TABLE public.change_feed_head (
    id smallint NOT NULL,
    last_position bigint NOT NULL,
    purged_position bigint NOT NULL,
    CONSTRAINT change_feed_head_check CHECK (((purged_position >= 0) AND (purged_position <= last_position))),
    CONSTRAINT change_feed_head_id_check CHECK ((id = 1)),
    CONSTRAINT change_feed_head_last_position_check CHECK ((last_position >= 0))
);

CREATE TABLE public.console_sessions (
    id_hash bytea NOT NULL,
    key_id text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT console_sessions_id_hash_sha256 CHECK ((octet_length(id_hash) = 32))
);

CREATE TABLE public.feed_cursors (
    name text NOT NULL,
    "position" bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.job_leases (
    name text NOT NULL,
    owner text NOT NULL,
    until timestamp with time zone NOT NULL
);

CREATE TABLE public.scim_group_members (
    tenant_id uuid NOT NULL,
    group_id uuid NOT NULL,
    user_id uuid,
    child_group_id uuid,
    member_id uuid GENERATED ALWAYS AS (COALESCE(user_id, child_group_id)) STORED NOT NULL,
    member_type text GENERATED ALWAYS AS (
CASE
    WHEN (user_id IS NOT NULL) THEN 'User'::text
    ELSE 'Group'::text
END) STORED NOT NULL,
    CONSTRAINT scim_group_members_not_self CHECK ((child_group_id IS DISTINCT FROM group_id)),
    CONSTRAINT scim_group_members_one_member CHECK ((num_nonnulls(user_id, child_group_id) = 1))
);

ALTER TABLE ONLY public.scim_group_members FORCE ROW LEVEL SECURITY;

CREATE TABLE public.scim_groups (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    display_name text NOT NULL,
    display_name_key text NOT NULL,
    external_id text,
    created timestamp with time zone DEFAULT now() NOT NULL,
    last_modified timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    doc jsonb NOT NULL
);

ALTER TABLE ONLY public.scim_groups FORCE ROW LEVEL SECURITY;

CREATE TABLE public.scim_users (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_name text NOT NULL,
    user_name_key text NOT NULL,
    external_id text,
    active boolean DEFAULT true NOT NULL,
    display_name text,
    given_name text,
    family_name text,
    email text,
    manager_id uuid,
    created timestamp with time zone DEFAULT now() NOT NULL,
    last_modified timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    doc jsonb NOT NULL,
    email_keys text[] DEFAULT '{}'::text[] NOT NULL,
    custom_keys jsonb DEFAULT '{}'::jsonb NOT NULL
);

ALTER TABLE ONLY public.scim_users FORCE ROW LEVEL SECURITY;

CREATE TABLE public.service_settings (
    name text NOT NULL,
    value text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.staff_audit_chain_heads (
    chain smallint NOT NULL,
    last_seq bigint DEFAULT 0 NOT NULL,
    last_hash text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'::text NOT NULL,
    anchor_seq bigint DEFAULT 1 NOT NULL,
    anchor_prev_hash text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'::text NOT NULL,
    CONSTRAINT staff_audit_chain_heads_anchor_prev_hash_check CHECK ((anchor_prev_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT staff_audit_chain_heads_chain_check CHECK ((chain = 1)),
    CONSTRAINT staff_audit_chain_heads_last_hash_check CHECK ((last_hash ~ '^[0-9a-f]{64}$'::text))
);

CREATE TABLE public.staff_audit_events (
    chain smallint DEFAULT 1 NOT NULL,
    seq bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    request_id text,
    source_ip text,
    actor_type text NOT NULL,
    actor_id text,
    actor_name text,
    action text NOT NULL,
    resource_type text,
    resource_id text,
    resource_name text,
    outcome text NOT NULL,
    status integer,
    scim_type text,
    changes jsonb,
    request jsonb,
    prev_hash text NOT NULL,
    row_hash text NOT NULL,
    CONSTRAINT staff_audit_events_actor_type_check CHECK ((actor_type = ANY (ARRAY['token'::text, 'staff'::text, 'system'::text]))),
    CONSTRAINT staff_audit_events_chain_check CHECK ((chain = 1)),
    CONSTRAINT staff_audit_events_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'failure'::text]))),
    CONSTRAINT staff_audit_events_prev_hash_check CHECK ((prev_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT staff_audit_events_row_hash_check CHECK ((row_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT staff_audit_events_seq_check CHECK ((seq > 0))
);

CREATE TABLE public.tenants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug text NOT NULL,
    display_name text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    rate_limit_per_second integer,
    rate_limit_burst integer,
    max_in_flight integer,
    custom_user_attributes jsonb DEFAULT '[]'::jsonb NOT NULL,
    CONSTRAINT tenants_custom_user_attributes_array CHECK ((jsonb_typeof(custom_user_attributes) = 'array'::text)),
    CONSTRAINT tenants_max_in_flight_positive CHECK ((max_in_flight > 0)),
    CONSTRAINT tenants_rate_limit_burst_positive CHECK ((rate_limit_burst > 0)),
    CONSTRAINT tenants_rate_limit_positive CHECK ((rate_limit_per_second > 0)),
    CONSTRAINT tenants_slug_dns_label CHECK ((slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'::text)),
    CONSTRAINT tenants_status_valid CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text])))
);

CREATE TABLE public.typeorm_migrations (
    id integer NOT NULL,
    "timestamp" bigint NOT NULL,
    name character varying NOT NULL
);

CREATE SEQUENCE public.typeorm_migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.typeorm_migrations_id_seq OWNED BY public.typeorm_migrations.id;

CREATE TABLE public.webhook_attempts (
    endpoint_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    event_id uuid NOT NULL,
    "position" bigint NOT NULL,
    event_type text NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL,
    status integer,
    latency_ms integer,
    error text,
    response_excerpt text,
    CONSTRAINT webhook_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['delivered'::text, 'failed'::text, 'abandoned'::text])))
);

CREATE TABLE public.webhook_endpoints (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid,
    url text NOT NULL,
    description text,
    event_types text[],
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamp with time zone,
    status text DEFAULT 'active'::text NOT NULL,
    disabled_reason text,
    "position" bigint NOT NULL,
    failing_since timestamp with time zone,
    failures integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone,
    lease_owner text,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_endpoints_position_check CHECK (("position" >= 0)),
    CONSTRAINT webhook_endpoints_status_check CHECK ((status = ANY (ARRAY['active'::text, 'disabled'::text]))),
    CONSTRAINT webhook_endpoints_url_check CHECK ((length(url) <= 2048))
);

ALTER TABLE ONLY public.typeorm_migrations ALTER COLUMN id SET DEFAULT nextval('public.typeorm_migrations_id_seq'::regclass);

ALTER TABLE ONLY public.typeorm_migrations
    ADD CONSTRAINT "PK_bb2f075707dd300ba86d0208923" PRIMARY KEY (id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (key_id);

ALTER TABLE ONLY public.audit_chain_heads
    ADD CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (tenant_id);

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (tenant_id, seq);

ALTER TABLE ONLY public.audit_pending_events
    ADD CONSTRAINT audit_pending_events_pkey PRIMARY KEY (tenant_id, id);

ALTER TABLE ONLY public.change_events_pending
    ADD CONSTRAINT change_events_pending_pkey PRIMARY KEY (tenant_id, id);

ALTER TABLE ONLY public.change_events
    ADD CONSTRAINT change_events_pkey PRIMARY KEY (tenant_id, "position");

ALTER TABLE ONLY public.change_feed_head
    ADD CONSTRAINT change_feed_head_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.console_sessions
    ADD CONSTRAINT console_sessions_pkey PRIMARY KEY (id_hash);

ALTER TABLE ONLY public.feed_cursors
    ADD CONSTRAINT feed_cursors_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.job_leases
    ADD CONSTRAINT job_leases_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.scim_group_members
    ADD CONSTRAINT scim_group_members_pkey PRIMARY KEY (tenant_id, group_id, member_id);

ALTER TABLE ONLY public.scim_groups
    ADD CONSTRAINT scim_groups_pkey PRIMARY KEY (tenant_id, id);

ALTER TABLE ONLY public.scim_users
    ADD CONSTRAINT scim_users_pkey PRIMARY KEY (tenant_id, id);

ALTER TABLE ONLY public.service_settings
    ADD CONSTRAINT service_settings_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.staff_audit_chain_heads
    ADD CONSTRAINT staff_audit_chain_heads_pkey PRIMARY KEY (chain);

ALTER TABLE ONLY public.staff_audit_events
    ADD CONSTRAINT staff_audit_events_pkey PRIMARY KEY (chain, seq);

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_pkey PRIMARY KEY (endpoint_id, id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

CREATE INDEX api_keys_tenant_id_idx ON public.api_keys USING btree (tenant_id);

CREATE INDEX audit_events_request_idx ON public.audit_events USING btree (tenant_id, request_id);

CREATE INDEX audit_events_resource_idx ON public.audit_events USING btree (tenant_id, resource_type, resource_id);

CREATE INDEX audit_events_time_idx ON public.audit_events USING btree (tenant_id, occurred_at);

CREATE INDEX audit_pending_events_order_idx ON public.audit_pending_events USING btree (tenant_id, occurred_at, id);

CREATE INDEX change_events_position_idx ON public.change_events USING btree ("position");

CREATE INDEX console_sessions_key_id_idx ON public.console_sessions USING btree (key_id);

CREATE INDEX scim_group_members_child_group_idx ON public.scim_group_members USING btree (tenant_id, child_group_id) WHERE (child_group_id IS NOT NULL);

CREATE INDEX scim_group_members_member_idx ON public.scim_group_members USING btree (tenant_id, ((member_id)::text));

CREATE INDEX scim_group_members_user_idx ON public.scim_group_members USING btree (tenant_id, user_id) WHERE (user_id IS NOT NULL);

CREATE INDEX scim_groups_created_idx ON public.scim_groups USING btree (tenant_id, created, id);

CREATE UNIQUE INDEX scim_groups_display_name_key ON public.scim_groups USING btree (tenant_id, display_name_key);

CREATE INDEX scim_groups_external_id_idx ON public.scim_groups USING btree (tenant_id, external_id);

CREATE INDEX scim_users_created_idx ON public.scim_users USING btree (tenant_id, created, id);

CREATE INDEX scim_users_custom_keys_idx ON public.scim_users USING gin (custom_keys jsonb_path_ops);

CREATE INDEX scim_users_display_name_idx ON public.scim_users USING btree (tenant_id, lower(display_name));

CREATE INDEX scim_users_email_idx ON public.scim_users USING btree (tenant_id, lower(email));

CREATE INDEX scim_users_email_keys_idx ON public.scim_users USING gin (email_keys);

CREATE INDEX scim_users_external_id_idx ON public.scim_users USING btree (tenant_id, external_id);

CREATE INDEX scim_users_manager_idx ON public.scim_users USING btree (tenant_id, manager_id);

CREATE UNIQUE INDEX scim_users_user_name_key ON public.scim_users USING btree (tenant_id, user_name_key);

CREATE INDEX staff_audit_events_time_idx ON public.staff_audit_events USING btree (chain, occurred_at);

CREATE UNIQUE INDEX tenants_slug_key ON public.tenants USING btree (slug);

CREATE INDEX webhook_attempts_recent_idx ON public.webhook_attempts USING btree (endpoint_id, at DESC);

CREATE INDEX webhook_endpoints_tenant_idx ON public.webhook_endpoints USING btree (tenant_id);

CREATE TRIGGER audit_events_append_only BEFORE DELETE OR UPDATE ON public.audit_events FOR EACH ROW EXECUTE FUNCTION public.audit_events_append_only('tenant');

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON public.audit_events FOR EACH STATEMENT EXECUTE FUNCTION public.audit_events_append_only('tenant');

CREATE TRIGGER audit_pending_events_append_only BEFORE DELETE OR UPDATE ON public.audit_pending_events FOR EACH ROW EXECUTE FUNCTION public.audit_pending_events_guard('tenant');

CREATE TRIGGER audit_pending_events_no_truncate BEFORE TRUNCATE ON public.audit_pending_events FOR EACH STATEMENT EXECUTE FUNCTION public.audit_pending_events_guard('tenant');

CREATE TRIGGER staff_audit_events_append_only BEFORE DELETE OR UPDATE ON public.staff_audit_events FOR EACH ROW EXECUTE FUNCTION public.audit_events_append_only('staff');

CREATE TRIGGER staff_audit_events_no_truncate BEFORE TRUNCATE ON public.staff_audit_events FOR EACH STATEMENT EXECUTE FUNCTION public.audit_events_append_only('staff');

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.audit_chain_heads
    ADD CONSTRAINT audit_chain_heads_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.audit_pending_events
    ADD CONSTRAINT audit_pending_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.change_events_pending
    ADD CONSTRAINT change_events_pending_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.console_sessions
    ADD CONSTRAINT console_sessions_key_id_fkey FOREIGN KEY (key_id) REFERENCES public.api_keys(key_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scim_group_members
    ADD CONSTRAINT scim_group_members_child_group_fkey FOREIGN KEY (tenant_id, child_group_id) REFERENCES public.scim_groups(tenant_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scim_group_members
    ADD CONSTRAINT scim_group_members_group_fkey FOREIGN KEY (tenant_id, group_id) REFERENCES public.scim_groups(tenant_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scim_group_members
    ADD CONSTRAINT scim_group_members_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES public.scim_users(tenant_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scim_groups
    ADD CONSTRAINT scim_groups_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scim_users
    ADD CONSTRAINT scim_users_manager_fkey FOREIGN KEY (tenant_id, manager_id) REFERENCES public.scim_users(tenant_id, id);

ALTER TABLE ONLY public.scim_users
    ADD CONSTRAINT scim_users_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES public.webhook_endpoints(id) ON DELETE CASCADE;

CREATE POLICY all_tenants_purge ON public.change_events FOR DELETE USING ((current_setting('app.change_feed'::text, true) = 'all'::text));

CREATE POLICY all_tenants_read ON public.change_events FOR SELECT USING ((current_setting('app.change_feed'::text, true) = 'all'::text));

ALTER TABLE public.audit_chain_heads ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.audit_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.audit_pending_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.change_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.change_events_pending ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.scim_group_members ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.scim_groups ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.scim_users ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON public.audit_chain_heads USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.audit_events USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.audit_pending_events USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.change_events USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.change_events_pending USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.scim_group_members USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.scim_groups USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));

CREATE POLICY tenant_isolation ON public.scim_users USING ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)) WITH CHECK ((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid));
