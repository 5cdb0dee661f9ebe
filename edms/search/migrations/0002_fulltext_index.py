"""The full-text index over search entries, in each database's own way.

PostgreSQL: a GIN index on the tsvector column (edms.search.index fills the column).
SQLite: an FTS5 table reading its text from search_searchentry (external content), kept in step
by triggers, so every insert, update and delete of an entry (bulk ones included) reaches it.
"""

from django.db import migrations

FTS5 = """
CREATE VIRTUAL TABLE search_searchentry_fts USING fts5(
    document_number, title, body,
    content='search_searchentry', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_searchentry_ai AFTER INSERT ON search_searchentry BEGIN
    INSERT INTO search_searchentry_fts(rowid, document_number, title, body)
    VALUES (new.id, new.document_number, new.title, new.body);
END;
CREATE TRIGGER search_searchentry_ad AFTER DELETE ON search_searchentry BEGIN
    INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, document_number, title, body)
    VALUES ('delete', old.id, old.document_number, old.title, old.body);
END;
CREATE TRIGGER search_searchentry_au AFTER UPDATE ON search_searchentry BEGIN
    INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, document_number, title, body)
    VALUES ('delete', old.id, old.document_number, old.title, old.body);
    INSERT INTO search_searchentry_fts(rowid, document_number, title, body)
    VALUES (new.id, new.document_number, new.title, new.body);
END;
"""
FTS5_DROP = """
DROP TRIGGER search_searchentry_au;
DROP TRIGGER search_searchentry_ad;
DROP TRIGGER search_searchentry_ai;
DROP TABLE search_searchentry_fts;
"""
GIN = "CREATE INDEX search_searchentry_vector_gin ON search_searchentry USING gin (vector);"
GIN_DROP = "DROP INDEX search_searchentry_vector_gin;"


class RunSQLFor(migrations.RunSQL):
    """RunSQL that runs only on one database vendor."""

    def __init__(self, vendor: str, sql: str, reverse_sql: str) -> None:
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {"vendor": self.vendor, **kwargs}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        RunSQLFor("sqlite", FTS5, FTS5_DROP),
        RunSQLFor("postgresql", GIN, GIN_DROP),
    ]
