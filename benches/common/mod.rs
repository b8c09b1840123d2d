//! Helpers shared by the benchmarks: CPU-time clocks. Each bench uses some of them.
#![allow(dead_code)]

use std::time::Duration;

/// `CLOCK_PROCESS_CPUTIME_ID`: CPU time of every thread of the process.
pub const PROCESS: i32 = 2;
/// `CLOCK_THREAD_CPUTIME_ID`: CPU time of the calling thread.
pub const THREAD: i32 = 3;

/// The CPU time of `clock` (`clock_gettime`), on 64-bit Linux; `None` elsewhere.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn cpu_time(clock: i32) -> Option<Duration> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: on 64-bit Linux `struct timespec` is two 64-bit integers; `ts` is valid and
    // writable, and clock_gettime writes only into it.
    let rc = unsafe { clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// The CPU time of `clock`: not available on this platform.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn cpu_time(_clock: i32) -> Option<Duration> {
    None
}
