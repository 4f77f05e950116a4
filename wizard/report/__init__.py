"""The signed verification report a customer gets at the migration acceptance (迁移验收): a manifest of every
object at the destination, the report in HTML and JSON, and an Ed25519 signature over them. No Qt here."""
