//! FS01's data volume as a Sleuth Kit bodyfile (`fls -r -m D: <image>`), taken after
//! the attack: encrypted copies with the new extension, the deleted originals, ransom
//! notes, and the untouched application tree.

use crate::attack::{Label, Scenario};
use crate::emit::PlacedLabels;
use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::time::{unix_secs, SEC};
use crate::world::{folder_of, ShareFile, World, NOTE_NAME, RANSOM_EXT};
use crate::SimError;
use std::io::Write;
use std::path::Path;

pub(crate) const FILE: &str = "FS01/bodyfile.txt";
const APPS: &[&str] = &[
    "SAP\\GUI",
    "Veeam\\Backup",
    "Tools\\Sysinternals",
    "Scanner\\Drivers",
    "DATEV\\Programs",
];
const APP_FILES: &[&str] = &["exe", "dll", "sys", "ini", "cab", "msi"];

macro_rules! put {
    ($f:expr, $($arg:tt)*) => {
        write!($f.w, $($arg)*).map_err(|e| $f.err(e))
    };
}

struct Body<'a> {
    f: &'a mut Out,
}

impl Body<'_> {
    /// One bodyfile line; times in Unix seconds (atime, mtime, ctime, crtime).
    fn entry(
        &mut self,
        path: &str,
        suffix: &str,
        inode: u64,
        dir: bool,
        size: u64,
        times: [i64; 4],
    ) -> Result<(), SimError> {
        let newest = times.iter().copied().max().unwrap_or(0);
        self.f.begin(newest * SEC);
        let mode = if dir { "d/drwxrwxrwx" } else { "r/rrwxrwxrwx" };
        let kind = if dir { 144 } else { 128 };
        let [a, m, c, b] = times;
        let f = &mut *self.f;
        put!(f, "0|D:/")?;
        for (i, part) in path.split('\\').enumerate() {
            if i > 0 {
                put!(f, "/")?;
            }
            put!(f, "{part}")?;
        }
        put!(
            f,
            "{suffix}|{inode}-{kind}-1|{mode}|0|0|{size}|{a}|{m}|{c}|{b}\n"
        )
    }
}

pub(crate) fn write(
    w: &World,
    shares: &[ShareFile],
    s: &mut Scenario,
    out_dir: &Path,
    placed: &mut PlacedLabels,
) -> Result<u64, SimError> {
    let mut rng = Rng::derive(w.seed, FILE);
    let mut out = Out::create(out_dir, FILE, Addr::Line, SEC)?;
    let mut b = Body { f: &mut out };
    let mut folder = "";
    let mut next_inode = shares.iter().map(|f| f.inode).max().unwrap_or(0) + 1000;
    let mut first_enc = true;
    for (i, f) in shares.iter().enumerate() {
        let dir = folder_of(&f.path);
        if dir != folder {
            folder = dir;
            let note = s.note_times.get(dir).map(|&t| unix_secs(t));
            let old = f.crtime - 86_400;
            let changed = note.unwrap_or(old + 3600);
            b.entry(
                dir,
                "",
                f.inode - 1,
                true,
                4096,
                [changed, changed, changed, old],
            )?;
            if let Some(t) = note {
                next_inode += 1;
                b.entry(
                    dir,
                    &format!("/{NOTE_NAME}"),
                    next_inode,
                    false,
                    1873,
                    [t; 4],
                )?;
                if s.note_times.keys().next().map(String::as_str) == Some(dir) {
                    add_label(
                        s,
                        placed,
                        b.f,
                        format!(
                            "bodyfile: ransom note D:/{}/{NOTE_NAME} created",
                            dir.replace('\\', "/")
                        ),
                    );
                }
            }
        }
        match s.enc_times[i].map(unix_secs) {
            Some(t) => {
                b.entry(
                    &f.path,
                    " (deleted)",
                    f.inode,
                    false,
                    f.size,
                    [f.atime.max(t), f.mtime, t, f.crtime],
                )?;
                next_inode += 1;
                b.entry(&f.path, RANSOM_EXT, next_inode, false, f.size + 512, [t; 4])?;
                if first_enc {
                    first_enc = false;
                    add_label(
                        s,
                        placed,
                        b.f,
                        format!(
                            "bodyfile: D:/{}{RANSOM_EXT} created, original deleted",
                            f.path.replace('\\', "/")
                        ),
                    );
                }
            }
            None => b.entry(
                &f.path,
                "",
                f.inode,
                false,
                f.size,
                [f.atime, f.mtime, f.mtime, f.crtime],
            )?,
        }
    }
    let installed = unix_secs(w.start) - 200 * 86_400;
    let per_app = 140 * w.scale;
    for (ai, app) in APPS.iter().enumerate() {
        let base = 1_000_000 * (ai as u64 + 1);
        b.entry(
            &format!("Apps\\{app}"),
            "",
            base,
            true,
            4096,
            [installed; 4],
        )?;
        for k in 0..per_app {
            let t = installed + rng.range(0, 90 * 86_400);
            let ext = rng.pick(APP_FILES);
            let name = format!(
                "Apps\\{app}\\{}{k:05}.{ext}",
                &app[..3].to_ascii_lowercase()
            );
            b.entry(
                &name,
                "",
                base + k + 1,
                false,
                rng.range(2_000, 9_000_000) as u64,
                [t + rng.range(0, 9_000_000), t, t, t],
            )?;
        }
    }
    out.finish()
}

fn add_label(s: &mut Scenario, placed: &mut PlacedLabels, out: &Out, description: String) {
    s.labels.push(Label {
        host: "FS01".into(),
        phase: "impact",
        technique: "T1486",
        description,
        attack: true,
    });
    placed.push(Some(out.placed()));
}
