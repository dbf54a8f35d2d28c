//! Shared by the bench binaries: what a client run reports about itself.

use std::time::Duration;

/// Peak resident memory and CPU time of this process so far, read from
/// `/proc/self` (Linux): what each client run prints when it is done.
pub fn self_usage() -> (u64, Duration) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at `)`.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat: 11 and 12 after `)`.
    let cpu = Duration::from_millis((ticks(11) + ticks(12)) * 10);
    (peak_kib, cpu)
}

/// The line a client prints last: `{"wall_s":..,"cpu_s":..,"rss_mib":..}`.
pub fn report(wall: Duration) -> String {
    let (peak_kib, cpu) = self_usage();
    format!(
        "{{\"wall_s\":{:.3},\"cpu_s\":{:.3},\"rss_mib\":{:.1}}}",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        peak_kib as f64 / 1024.0
    )
}
