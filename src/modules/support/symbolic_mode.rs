//! Symbolic modes as chmod and Ansible read them (`u=rwx,g=rx,o=`, `u+x`, `a-w`, `+X`): clauses
//! separated by commas, each naming whom (`u`, `g`, `o`, `a`; none is `a` within the umask)
//! and one or more operations (`+`, `-`, `=`) with permissions (`r`, `w`, `x`, `X`: execute
//! where a folder or already executable by someone, `s`, `t`, or another's bits `u`/`g`/`o`).
//! Relative clauses need the current bits: they are applied to what the file has, or for a
//! file still to be made, to what it would be made with (0644, a folder 0755: umask 022).

/// The umask assumed where the mode names no one (`+x`), as on most hosts.
const UMASK: u32 = 0o022;

/// A parsed symbolic mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolicMode {
    clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    who: Vec<char>,
    within_umask: bool,
    operations: Vec<(char, String)>,
}

/// A clause that is not `who`, an operator and permissions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a symbolic mode clause such as u=rwx or g+x")]
pub struct NotAModeClause(String);

impl SymbolicMode {
    /// Reads `text`, or says which clause is not a mode's.
    pub fn parse(text: &str) -> Result<SymbolicMode, NotAModeClause> {
        let bad = |clause: &str| NotAModeClause(clause.to_string());
        let mut clauses = Vec::new();
        for clause in text.split(',') {
            let at = clause.find(['+', '-', '=']).ok_or_else(|| bad(clause))?;
            let (who, mut rest) = clause.split_at(at);
            if !who.chars().all(|c| "ugoa".contains(c)) {
                return Err(bad(clause));
            }
            let mut operations = Vec::new();
            while let Some(op) = rest.chars().next() {
                let perms_end = rest[1..].find(['+', '-', '=']).map_or(rest.len(), |i| i + 1);
                let perms = &rest[1..perms_end];
                if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                    return Err(bad(clause));
                }
                operations.push((op, perms.to_string()));
                rest = &rest[perms_end..];
            }
            let within_umask = who.is_empty();
            let who = match who.contains('a') || who.is_empty() {
                true => vec!['u', 'g', 'o'],
                false => who.chars().collect(),
            };
            clauses.push(Clause { who, within_umask, operations });
        }
        Ok(SymbolicMode { clauses })
    }

    /// The bits the mode gives a file that has `current` (a folder when `folder`).
    pub fn apply(&self, current: u32, folder: bool) -> u32 {
        let mut mode = current & 0o7777;
        for clause in &self.clauses {
            for (op, perms) in &clause.operations {
                for &who in &clause.who {
                    let bits = bits_for(who, perms, mode, folder, clause.within_umask);
                    mode = match op {
                        '=' => (mode & !class_mask(who)) | bits,
                        '+' => mode | bits,
                        _ => mode & !bits,
                    };
                }
            }
        }
        mode
    }

    /// The bits a file made now with this mode ends with.
    pub fn for_new(&self, folder: bool) -> u32 {
        let made = if folder { 0o777 } else { 0o666 };
        self.apply(made & !UMASK, folder)
    }
}

/// The bits `=` replaces for a class: its rwx and its special bit.
fn class_mask(who: char) -> u32 {
    match who {
        'u' => 0o4700,
        'g' => 0o2070,
        _ => 0o1007,
    }
}

/// What `perms` mean for class `who`, given the bits the file has so far.
fn bits_for(who: char, perms: &str, mode: u32, folder: bool, within_umask: bool) -> u32 {
    let shift = match who {
        'u' => 6,
        'g' => 3,
        _ => 0,
    };
    let umask = if within_umask { !UMASK } else { 0o7777 };
    let executable = folder || mode & 0o111 != 0;
    perms
        .chars()
        .map(|p| match p {
            'r' => (0o4 << shift) & umask,
            'w' => (0o2 << shift) & umask,
            'x' => (0o1 << shift) & umask,
            'X' if executable => 0o1 << shift,
            's' if who == 'u' => 0o4000,
            's' if who == 'g' => 0o2000,
            't' if who == 'o' => 0o1000,
            // Another class's rwx, copied to this one.
            'u' => ((mode >> 6) & 0o7) << shift,
            'g' => ((mode >> 3) & 0o7) << shift,
            'o' => (mode & 0o7) << shift,
            _ => 0,
        })
        .fold(0, |all, bits| all | bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(mode: &str, current: u32, folder: bool) -> u32 {
        SymbolicMode::parse(mode).unwrap().apply(current, folder)
    }

    #[test]
    fn clauses_apply_as_chmod_applies_them() {
        assert_eq!(on("u=rwx,g=rx,o=", 0o644, false), 0o750);
        assert_eq!(on("u+x", 0o644, false), 0o744);
        assert_eq!(on("a-w", 0o664, false), 0o444);
        assert_eq!(on("go-rwx", 0o755, true), 0o700);
        assert_eq!(on("u=rw-x+X,g=r-x+X,o=r-x+X", 0o644, true), 0o755);
        assert_eq!(on("u=rw-x+X,g=r-x+X,o=r-x+X", 0o644, false), 0o644);
        assert_eq!(on("+x", 0o644, false), 0o755);
        assert_eq!(on("g=u", 0o740, false), 0o770);
        assert_eq!(on("u+s,o+t", 0o755, true), 0o5755);
        assert_eq!(SymbolicMode::parse("u=rw").unwrap().for_new(false), 0o644);
        assert_eq!(SymbolicMode::parse("o-rx").unwrap().for_new(true), 0o750);
    }

    #[test]
    fn what_is_not_a_mode_is_refused() {
        for bad in ["rwx", "z+x", "u+q", "u=rwx,,"] {
            assert!(SymbolicMode::parse(bad).is_err(), "{bad}");
        }
    }
}
