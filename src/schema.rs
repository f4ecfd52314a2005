// @generated automatically by Diesel CLI.

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
    }
}
