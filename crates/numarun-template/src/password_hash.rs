//! `password_hash`: a password in crypt(3)'s text form, for `/etc/shadow` and the `user`
//! module. ansible-core hashes through passlib; its numbers are passlib's as ansible-core sets
//! them: SHA-512 and SHA-256 crypt (Drepper's algorithm) with the rounds ansible-core asks for
//! when none are given (656000 and 535000), and MD5 crypt. bcrypt is refused.

use minijinja::Error;
use minijinja::value::Kwargs;

use super::filter_error::invalid;

/// crypt(3)'s alphabet for salts and hashes.
const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Drepper's default: a hash made with it does not say its rounds.
const IMPLICIT_ROUNDS: u32 = 5000;

/// `password | password_hash(hashtype='sha512', salt=None, salt_size=None, rounds=None)`.
pub fn filter(
    password: String,
    hashtype: Option<String>,
    salt: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let hashtype = kwargs.get::<Option<String>>("hashtype")?.or(hashtype);
    let salt = kwargs.get::<Option<String>>("salt")?.or(salt);
    let salt_size = kwargs.get::<Option<usize>>("salt_size")?;
    let rounds = kwargs.get::<Option<u32>>("rounds")?;
    let _ident = kwargs.get::<Option<String>>("ident")?;
    kwargs.assert_all_used()?;
    let scheme = Scheme::named(hashtype.as_deref().unwrap_or("sha512"))?;
    let salt = match salt {
        Some(salt) => salt,
        None => {
            let alphabet: Vec<char> = CRYPT64.iter().map(|&b| b as char).collect();
            super::password::random(&alphabet, salt_size.unwrap_or(scheme.salt_size()))
                .map_err(|e| invalid(e.to_string()))?
        }
    };
    if let Some(bad) = salt.chars().find(|c| !c.is_ascii() || !CRYPT64.contains(&(*c as u8))) {
        return Err(invalid(format!(
            "password_hash: the salt may hold only `./0-9A-Za-z`, not `{bad}`"
        )));
    }
    Ok(match scheme {
        Scheme::Md5 => md5_crypt(password.as_bytes(), &salt),
        Scheme::Sha(sha) => sha_crypt(sha, password.as_bytes(), &salt, rounds),
    })
}

#[derive(Clone, Copy)]
enum Scheme {
    Md5,
    Sha(Sha),
}

#[derive(Clone, Copy)]
enum Sha {
    Sha256,
    Sha512,
}

impl Scheme {
    fn named(hashtype: &str) -> Result<Scheme, Error> {
        match hashtype {
            "sha512" | "sha512_crypt" => Ok(Scheme::Sha(Sha::Sha512)),
            "sha256" | "sha256_crypt" => Ok(Scheme::Sha(Sha::Sha256)),
            "md5" | "md5_crypt" => Ok(Scheme::Md5),
            other => Err(invalid(format!(
                "password_hash: `{other}` is not supported (sha512, sha256, md5; bcrypt is not \
                 built in)"
            ))),
        }
    }

    /// passlib's salt length when none is given.
    fn salt_size(self) -> usize {
        match self {
            Scheme::Md5 => 8,
            Scheme::Sha(_) => 16,
        }
    }
}

impl Sha {
    fn id(self) -> &'static str {
        match self {
            Sha::Sha256 => "5",
            Sha::Sha512 => "6",
        }
    }

    /// The rounds ansible-core asks passlib for when a play gives none.
    fn ansible_rounds(self) -> u32 {
        match self {
            Sha::Sha256 => 535_000,
            Sha::Sha512 => 656_000,
        }
    }

    /// The order the digest's bytes are written in, three at a time (the last group short).
    fn byte_order(self) -> &'static [[usize; 3]] {
        match self {
            Sha::Sha256 => &[
                [0, 10, 20],
                [21, 1, 11],
                [12, 22, 2],
                [3, 13, 23],
                [24, 4, 14],
                [15, 25, 5],
                [6, 16, 26],
                [27, 7, 17],
                [18, 28, 8],
                [9, 19, 29],
            ],
            Sha::Sha512 => &[
                [0, 21, 42],
                [22, 43, 1],
                [44, 2, 23],
                [3, 24, 45],
                [25, 46, 4],
                [47, 5, 26],
                [6, 27, 48],
                [28, 49, 7],
                [50, 8, 29],
                [9, 30, 51],
                [31, 52, 10],
                [53, 11, 32],
                [12, 33, 54],
                [34, 55, 13],
                [56, 14, 35],
                [15, 36, 57],
                [37, 58, 16],
                [59, 17, 38],
                [18, 39, 60],
                [40, 61, 19],
                [62, 20, 41],
            ],
        }
    }
}

/// Three bytes (most significant first) as `chars` characters of crypt64, lowest bits first.
fn encode24(out: &mut String, high: u8, middle: u8, low: u8, chars: usize) {
    let mut word = (u32::from(high) << 16) | (u32::from(middle) << 8) | u32::from(low);
    for _ in 0..chars {
        out.push(CRYPT64[(word & 0x3f) as usize] as char);
        word >>= 6;
    }
}

/// `source` repeated to `length` bytes.
fn repeated_to(source: &[u8], length: usize) -> Vec<u8> {
    source.iter().copied().cycle().take(length).collect()
}

/// SHA-crypt as Ulrich Drepper specified it (glibc's `$5$` and `$6$`): the digest from the
/// `sha-crypt` crate, written out as crypt(3) writes it.
fn sha_crypt(sha: Sha, password: &[u8], salt: &str, rounds: Option<u32>) -> String {
    let rounds = rounds.unwrap_or(sha.ansible_rounds()).clamp(1000, 999_999_999);
    let salt: Vec<u8> = salt.bytes().take(16).collect();
    let params = sha_crypt::Params::new(rounds).expect("rounds clamped to the allowed range");
    let digest: Vec<u8> = match sha {
        Sha::Sha256 => sha_crypt::sha256_crypt(password, &salt, params).to_vec(),
        Sha::Sha512 => sha_crypt::sha512_crypt(password, &salt, params).to_vec(),
    };
    let mut out = format!("${}$", sha.id());
    if rounds != IMPLICIT_ROUNDS {
        out.push_str(&format!("rounds={rounds}$"));
    }
    out.push_str(&String::from_utf8_lossy(&salt));
    out.push('$');
    for [a, b, c] in sha.byte_order() {
        encode24(&mut out, digest[*a], digest[*b], digest[*c], 4);
    }
    match sha {
        Sha::Sha256 => encode24(&mut out, 0, digest[31], digest[30], 3),
        Sha::Sha512 => encode24(&mut out, 0, 0, digest[63], 2),
    }
    out
}

/// Poul-Henning Kamp's MD5 crypt (`$1$`), 1000 rounds: no maintained crate offers it, and
/// passlib (which ansible-core's `password_hash` calls) still does.
fn md5_crypt(password: &[u8], salt: &str) -> String {
    let salt: Vec<u8> = salt.bytes().take(8).collect();
    let alternate = md5::compute([password, &salt, password].concat()).0;
    let mut input = [password, b"$1$", &salt].concat();
    input.extend(repeated_to(&alternate, password.len()));
    let mut length = password.len();
    while length > 0 {
        input.push(if length & 1 == 1 { 0 } else { password.first().copied().unwrap_or(0) });
        length >>= 1;
    }
    let mut digest = md5::compute(&input).0;
    for round in 0..1000 {
        let odd = round % 2 == 1;
        let mut input = Vec::new();
        input.extend_from_slice(if odd { password } else { &digest });
        if round % 3 != 0 {
            input.extend_from_slice(&salt);
        }
        if round % 7 != 0 {
            input.extend_from_slice(password);
        }
        input.extend_from_slice(if odd { &digest } else { password });
        digest = md5::compute(&input).0;
    }
    let mut out = format!("$1${}$", String::from_utf8_lossy(&salt));
    for [a, b, c] in [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] {
        encode24(&mut out, digest[a], digest[b], digest[c], 4);
    }
    encode24(&mut out, 0, 0, digest[11], 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hashes glibc's crypt(3) and passlib give for these inputs.
    #[test]
    fn hashes_match_glibc_and_passlib() {
        assert_eq!(
            sha_crypt(Sha::Sha512, b"secret", "mysalt", Some(5000)),
            "$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1"
        );
        assert_eq!(
            sha_crypt(Sha::Sha256, b"secret", "mysalt", None),
            "$5$rounds=535000$mysalt$GnEktJhWXRuwViyPsEWK9s63HYW1GqXFqU5SdKDqol6"
        );
        assert_eq!(md5_crypt(b"secret", "mysalt"), "$1$mysalt$n/EfEiV74OYgBdqhKQzSW/");
    }
}
