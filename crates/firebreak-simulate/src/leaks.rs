//! `leaks/combolist.txt`: a public credential dump (`email:password` per line) that
//! happens to contain the compromised account.

use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::time::SEC;
use crate::world::{World, MAIL_DOMAIN};
use crate::SimError;
use std::io::Write;
use std::path::Path;

pub(crate) const FILE: &str = "leaks/combolist.txt";
const LINES: u64 = 2400;
const MAILERS: &[&str] = &[
    "gmail.com",
    "web.de",
    "gmx.de",
    "yahoo.com",
    "outlook.com",
    "t-online.de",
    "hotmail.com",
    "mail.ru",
];
const FIRST: &[&str] = &[
    "anna", "max", "julia", "tom", "lena", "paul", "sarah", "jan", "laura", "felix", "nina",
    "lukas", "mia", "tim", "lisa",
];
const WORDS: &[&str] = &[
    "sommer", "Summer", "password", "hallo", "Sunshine", "dragon", "Fussball", "qwertz", "Schatz",
    "Bayern", "Welcome", "Winter", "monkey", "Passwort",
];
const TAILS: &[&str] = &[
    "", "1", "123", "2023", "2024!", "!", "01", "#1", "2025", "99",
];

/// Write the list; returns (line count, the compromised account's line number).
pub(crate) fn write(w: &World, out_dir: &Path) -> Result<(u64, u64), SimError> {
    let mut rng = Rng::derive(w.seed, FILE);
    let mut f = Out::create(out_dir, FILE, Addr::Line, SEC)?;
    let victim = &w.users[w.victim];
    let at = rng.range(100, LINES as i64 - 100) as u64;
    let staff = w.staff();
    for n in 1..=LINES {
        f.begin(0);
        if n == at {
            let surname = victim.sam.split('.').nth(1).unwrap_or("keller");
            let mut cap = surname.to_string();
            cap[..1].make_ascii_uppercase();
            line_out(&mut f, &victim.email, &format!("{cap}2026!"))?;
        } else if rng.chance(0.006) {
            let u = rng.pick(staff);
            line_out(
                &mut f,
                &format!("{}@{MAIL_DOMAIN}", u.sam),
                &format!("{}{}", rng.pick(WORDS), rng.pick(TAILS)),
            )?;
        } else {
            let mail = format!(
                "{}.{}{}@{}",
                rng.pick(FIRST),
                rng.range(1, 9999),
                if rng.chance(0.5) { "x" } else { "" },
                rng.pick(MAILERS)
            );
            line_out(
                &mut f,
                &mail,
                &format!("{}{}", rng.pick(WORDS), rng.pick(TAILS)),
            )?;
        }
    }
    Ok((f.finish()?, at))
}

fn line_out(f: &mut Out, mail: &str, password: &str) -> Result<(), SimError> {
    writeln!(f.w, "{mail}:{password}").map_err(|e| f.err(e))
}
