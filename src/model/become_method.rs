//! `become_method` (the keyword) and `ansible_become_method` (the variable): numarun becomes
//! another user with sudo or su, a password written to their stdin. The others (`doas`,
//! `pbrun`, `machinectl`, …) are refused, saying so, rather than quietly run with sudo.

use crate::connection::BecomeMethod;
use crate::diag::{Diag, Span};
use crate::vars::{VarMap, VarValue};
use crate::yaml::Fields;

/// The method a `become_method` names, if numarun can become another user this way.
pub fn check(method: &str, span: &Span) -> Result<BecomeMethod, Diag> {
    BecomeMethod::named(method).ok_or_else(|| {
        Diag::invalid(
            span,
            format!("become_method `{method}` is not supported: numarun becomes with sudo or su"),
        )
        .with_help(
            "use become_method: sudo (the default) or su; for a password, -K or ansible_become_password",
        )
    })
}

/// A step's or a block's `become_method`, checked, as the variable it stands for in `vars`.
pub fn into_vars(fields: &mut Fields, vars: &mut VarMap) -> Result<(), Diag> {
    if let Some(method) = fields.take(&["become_method"]) {
        check(&method.scalar_text(), &method.span)?;
        vars.0.insert("ansible_become_method".into(), VarValue::Written(method.clone()));
    }
    Ok(())
}
