//! `become_method` (the keyword) and `ansible_become_method` (the variable): numarun becomes
//! another user with sudo, its password written to sudo's stdin. `su` and the others read a
//! password from a terminal, which numarun's sessions do not have; they are refused, saying so,
//! rather than quietly run with sudo.

use crate::diag::{Diag, Span};
use crate::vars::{VarMap, VarValue};
use crate::yaml::Fields;

/// Whether numarun can become another user this way.
pub fn check(method: &str, span: &Span) -> Result<(), Diag> {
    match method {
        "sudo" => Ok(()),
        other => Err(Diag::invalid(
            span,
            format!("become_method `{other}` is not supported: numarun becomes with sudo only"),
        )
        .with_help(
            "use become_method: sudo (the default); for a password, -K or ansible_become_password",
        )),
    }
}

/// A step's or a block's `become_method`, checked, as the variable it stands for in `vars`.
pub fn into_vars(fields: &mut Fields, vars: &mut VarMap) -> Result<(), Diag> {
    if let Some(method) = fields.take(&["become_method"]) {
        check(&method.scalar_text(), &method.span)?;
        vars.0.insert("ansible_become_method".into(), VarValue::Written(method.clone()));
    }
    Ok(())
}
