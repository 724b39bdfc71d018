//! Small helpers so migrations read like the schema they create.

use sea_orm_migration::prelude::*;

/// A table or column name.
pub fn n(name: &'static str) -> Alias {
    Alias::new(name)
}

/// A foreign key from `table.column` to `parent.id`, removing children with their parent.
pub fn fk_cascade(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(n(table), n(column))
        .to(n(parent), n("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A foreign key that keeps the child but forgets the parent when it goes.
pub fn fk_set_null(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(n(table), n(column))
        .to(n(parent), n("id"))
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

/// An index over the given columns.
pub fn index(table: &'static str, columns: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", columns.join("_")))
        .table(n(table));
    for c in columns {
        stmt.col(n(c));
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}
