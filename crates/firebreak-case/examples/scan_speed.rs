//! Reading a stored case back the way hunting does: every event decoded, in storage
//! order (`Case::scan_each`). `cargo run --release -p firebreak-case --example scan_speed -- CASE_DIR [EVIDENCE_ID...]`

use firebreak_case::Case;

// The allocator the firebreak binary uses: decoding allocates every string.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = Case::open_read(std::path::Path::new(&args[1])).expect("case");
    let evidence: Vec<i64> = args[2..]
        .iter()
        .map(|a| a.parse().expect("evidence id"))
        .collect();
    let t = std::time::Instant::now();
    let (mut n, mut fields) = (0u64, 0u64);
    case.scan_each(&evidence, &mut |e| {
        n += 1;
        fields += e.event.fields.len() as u64;
        true
    })
    .expect("scan");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{n} events ({fields} original fields) decoded in {secs:.2} s: {:.0} events/s",
        n as f64 / secs
    );
}
