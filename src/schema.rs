// @generated automatically by Diesel CLI.

diesel::table! {
    access_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_sub -> Text,
        actor_name -> Text,
        actor_role -> Text,
        actor_office -> Nullable<Text>,
        subject_kind -> Text,
        case_id -> Nullable<Uuid>,
        exemption_id -> Nullable<Uuid>,
        cpr_index -> Nullable<Text>,
        endpoint -> Text,
        request_id -> Text,
        nemid_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    case_events (id) {
        id -> Int8,
        case_id -> Uuid,
        seq -> Int4,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_sub -> Text,
        actor_name -> Text,
        actor_role -> Text,
        actor_office -> Nullable<Text>,
        evidence -> Jsonb,
        request_id -> Text,
        occurred_at -> Timestamptz,
        feed_position -> Int8,
    }
}

diesel::table! {
    case_number_years (office_id, year) {
        office_id -> Uuid,
        year -> Int4,
        base -> Int8,
    }
}

diesel::table! {
    case_status_counts (office_id, kind, channel, status) {
        office_id -> Uuid,
        kind -> Text,
        channel -> Text,
        status -> Text,
        n -> Int8,
    }
}

diesel::table! {
    cases (id) {
        id -> Uuid,
        case_number -> Text,
        office_id -> Uuid,
        channel -> Text,
        kind -> Text,
        status -> Text,
        applicant_cpr_sealed -> Bytea,
        applicant_cpr_index -> Text,
        applicant_name -> Text,
        street -> Text,
        postal_code -> Text,
        city -> Text,
        country -> Text,
        online_banking_agreement -> Bool,
        nemid_number -> Nullable<Text>,
        opened_at -> Timestamptz,
        identity_verified_at -> Nullable<Timestamptz>,
        first_half_issued_at -> Nullable<Timestamptz>,
        second_half_posted_at -> Nullable<Timestamptz>,
        second_half_expected_by -> Nullable<Date>,
        completed_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        close_reason -> Nullable<Text>,
        version -> Int4,
        anonymised_at -> Nullable<Timestamptz>,
        replacement_reason -> Nullable<Text>,
        identity_route -> Nullable<Text>,
        postal_block -> Nullable<Text>,
        held_at -> Nullable<Timestamptz>,
        collect_by -> Nullable<Date>,
        refusal_reasons -> Nullable<Array<Nullable<Text>>>,
        refusal -> Nullable<Jsonb>,
    }
}

diesel::table! {
    daily_activity (day, office_id) {
        day -> Date,
        office_id -> Uuid,
        opened -> Int4,
        identity_verified -> Int4,
        first_half_issued -> Int4,
        second_half_posted -> Int4,
        completed_standard -> Int4,
        completed_express -> Int4,
        returned -> Int4,
        cancelled -> Int4,
        rejected -> Int4,
        opened_replacement_card -> Int4,
        opened_new_password -> Int4,
        completed_replacement_card -> Int4,
        completed_new_password -> Int4,
        opened_online -> Int4,
        completed_online -> Int4,
    }
}

diesel::table! {
    dev_cpr_register (cpr_index) {
        cpr_index -> Text,
        name -> Text,
        birth_date -> Date,
        alive -> Bool,
        street -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        name_address_protection -> Bool,
    }
}

diesel::table! {
    dev_identity_documents (register, number) {
        register -> Text,
        number -> Text,
        cpr_index -> Text,
        expires_on -> Date,
    }
}

diesel::table! {
    online_orders (id) {
        id -> Uuid,
        received_at -> Timestamptz,
        cpr_index -> Text,
        document_type -> Text,
        client_hash -> Text,
        outcome -> Nullable<Text>,
        cpr_sealed -> Nullable<Bytea>,
        document_number_sealed -> Nullable<Bytea>,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        case_id -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    daily_durations (day, office_id, kind) {
        day -> Date,
        office_id -> Uuid,
        kind -> Text,
        opened_to_first_half -> Bytea,
        posted_to_completed -> Bytea,
        express_opened_to_completed -> Bytea,
        posted_completed -> Int8,
        completed_within_window -> Int8,
    }
}

diesel::table! {
    monthly_durations (month, office_id, kind) {
        month -> Date,
        office_id -> Uuid,
        kind -> Text,
        opened_to_first_half -> Bytea,
        posted_to_completed -> Bytea,
        express_opened_to_completed -> Bytea,
        posted_completed -> Int8,
        completed_within_window -> Int8,
    }
}

diesel::table! {
    exemption_events (id) {
        id -> Int8,
        exemption_id -> Uuid,
        seq -> Int4,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_sub -> Text,
        actor_name -> Text,
        actor_role -> Text,
        actor_office -> Nullable<Text>,
        evidence -> Jsonb,
        request_id -> Text,
        occurred_at -> Timestamptz,
        feed_position -> Int8,
    }
}

diesel::table! {
    exemptions (id) {
        id -> Uuid,
        office_id -> Uuid,
        status -> Text,
        citizen_cpr_sealed -> Bytea,
        citizen_cpr_index -> Text,
        citizen_name -> Text,
        reason -> Text,
        note -> Nullable<Text>,
        declaration -> Text,
        proxy_name -> Nullable<Text>,
        proxy_cpr_sealed -> Nullable<Bytea>,
        proxy_cpr_index -> Nullable<Text>,
        registered_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decision_reason -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
        revoke_reason -> Nullable<Text>,
        version -> Int4,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    feed_base (singleton) {
        singleton -> Bool,
        base -> Int8,
    }
}

diesel::table! {
    holder_verifications (case_id) {
        case_id -> Uuid,
        holder_cpr_sealed -> Bytea,
        holder_cpr_index -> Text,
        holder_name -> Text,
        photo_id_type -> Text,
        photo_id_number -> Text,
        photo_id_expires_on -> Date,
        photo_id_issuing_country -> Text,
        nemid_active_since -> Date,
        verified_on -> Date,
        verified_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (actor_sub, key) {
        actor_sub -> Text,
        key -> Text,
        fingerprint -> Text,
        status_code -> Int4,
        response_body -> Bytea,
        etag -> Nullable<Text>,
        location -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    identity_checks (case_id) {
        case_id -> Uuid,
        photo_id_type -> Text,
        photo_id_number -> Text,
        photo_id_expires_on -> Date,
        photo_id_issuing_country -> Text,
        checked_at -> Timestamptz,
    }
}

diesel::table! {
    code_cards (serial) {
        serial -> Text,
        nemid_id -> Uuid,
        state -> Text,
        issued_how -> Text,
        issued_at -> Timestamptz,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    nemid_events (id) {
        id -> Int8,
        nemid_id -> Uuid,
        seq -> Int4,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        actor_sub -> Text,
        actor_name -> Text,
        actor_role -> Text,
        actor_office -> Nullable<Text>,
        evidence -> Jsonb,
        request_id -> Text,
        occurred_at -> Timestamptz,
        feed_position -> Int8,
    }
}

diesel::table! {
    nemids (id) {
        id -> Uuid,
        number -> Text,
        holder_cpr_sealed -> Bytea,
        holder_cpr_index -> Text,
        holder_name -> Text,
        state -> Text,
        active_since -> Nullable<Date>,
        office_id -> Uuid,
        case_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    offices (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        kind -> Text,
        bank_name -> Nullable<Text>,
        street -> Text,
        postal_code -> Text,
        city -> Text,
        country -> Text,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Text,
        updated_by -> Text,
    }
}

diesel::table! {
    sign_in_states (state_hash) {
        state_hash -> Bytea,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> Uuid,
        token_hash -> Bytea,
        sub -> Text,
        name -> Text,
        role -> Text,
        office_code -> Nullable<Text>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, attempt) {
        delivery_id -> Uuid,
        attempt -> Int4,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        feed_position -> Int8,
        status -> Text,
        attempts -> Int4,
        created_at -> Timestamptz,
        next_attempt_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        lease_token -> Nullable<Uuid>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        office_id -> Nullable<Uuid>,
        url -> Text,
        description -> Text,
        secret_sealed -> Bytea,
        previous_secret_sealed -> Nullable<Bytea>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Int4,
        created_at -> Timestamptz,
        created_by -> Text,
        updated_at -> Timestamptz,
        updated_by -> Text,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(access_log -> cases (case_id));
diesel::joinable!(access_log -> exemptions (exemption_id));
diesel::joinable!(access_log -> nemids (nemid_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_number_years -> offices (office_id));
diesel::joinable!(case_status_counts -> offices (office_id));
diesel::joinable!(cases -> offices (office_id));
diesel::joinable!(code_cards -> nemids (nemid_id));
diesel::joinable!(daily_activity -> offices (office_id));
diesel::joinable!(daily_durations -> offices (office_id));
diesel::joinable!(monthly_durations -> offices (office_id));
diesel::joinable!(exemption_events -> exemptions (exemption_id));
diesel::joinable!(exemptions -> offices (office_id));
diesel::joinable!(holder_verifications -> cases (case_id));
diesel::joinable!(identity_checks -> cases (case_id));
diesel::joinable!(nemid_events -> nemids (nemid_id));
diesel::joinable!(nemids -> cases (case_id));
diesel::joinable!(nemids -> offices (office_id));
diesel::joinable!(online_orders -> cases (case_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> offices (office_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_log,
    case_events,
    case_number_years,
    case_status_counts,
    cases,
    code_cards,
    daily_activity,
    daily_durations,
    dev_cpr_register,
    dev_identity_documents,
    exemption_events,
    exemptions,
    feed_base,
    holder_verifications,
    idempotency_keys,
    identity_checks,
    monthly_durations,
    nemid_events,
    nemids,
    offices,
    online_orders,
    sign_in_states,
    staff_sessions,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
);
