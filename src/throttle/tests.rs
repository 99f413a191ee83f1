use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn throttle(per_address: u32, overall: u32) -> FailureThrottle {
    FailureThrottle::new(ThrottleConfig {
        per_address: Budget {
            burst: per_address,
            refill_every: SECOND * 6,
        },
        overall: Budget {
            burst: overall,
            refill_every: SECOND,
        },
        trust_after_success: SECOND * 3600,
    })
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn fail(throttle: &FailureThrottle, address: IpAddr, times: u32, now: Instant) {
    for _ in 0..times {
        assert_eq!(throttle.admit(address, now), Ok(()));
        throttle.failed(address, now);
    }
}

#[test]
fn an_address_is_throttled_after_its_burst_and_let_in_again_one_refill_later() {
    let throttle = throttle(3, 100);
    let (guesser, now) = (ip("203.0.113.7"), Instant::now());

    fail(&throttle, guesser, 3, now);

    let refused = throttle.admit(guesser, now).unwrap_err();
    assert_eq!(refused.retry_after, SECOND * 6);
    assert_eq!(refused.retry_after_seconds(), 6);
    assert_eq!(throttle.admit(guesser, now + SECOND * 6), Ok(()));
    assert_eq!(throttle.admit(ip("203.0.113.8"), now), Ok(()));
}

#[test]
fn the_overall_budget_spares_an_address_that_succeeded_recently() {
    let throttle = throttle(100, 5);
    let now = Instant::now();
    let operator = ip("198.51.100.1");
    throttle.succeeded(operator, now);

    for last in 0..5u8 {
        fail(&throttle, ip(&format!("203.0.113.{last}")), 1, now);
    }

    let newcomer = throttle.admit(ip("192.0.2.1"), now).unwrap_err();
    assert_eq!(newcomer.retry_after, SECOND);
    assert_eq!(throttle.admit(operator, now), Ok(()));
    // Its own budget still holds it.
    fail(&throttle, operator, 100, now);
    assert!(throttle.admit(operator, now).is_err());
}

#[test]
fn a_retry_after_is_rounded_up_to_whole_seconds() {
    let throttled = Throttled {
        retry_after: Duration::from_millis(1_200),
    };
    assert_eq!(throttled.retry_after_seconds(), 2);
}

#[test]
fn ipv6_addresses_share_the_budget_of_their_64() {
    let throttle = throttle(2, 100);
    let now = Instant::now();

    fail(&throttle, ip("2001:db8:1:2::1"), 1, now);
    fail(&throttle, ip("2001:db8:1:2:ffff::9"), 1, now);

    assert!(throttle.admit(ip("2001:db8:1:2::77"), now).is_err());
    assert_eq!(throttle.admit(ip("2001:db8:1:3::1"), now), Ok(()));
}

#[test]
fn memory_stays_bounded_whatever_the_number_of_addresses() {
    let throttle = throttle(5, u32::MAX);
    let now = Instant::now();

    for n in 0..(MAX_TRACKED as u32 + 500) {
        throttle.failed(IpAddr::V4(n.into()), now);
    }

    assert_eq!(throttle.state.lock().unwrap().addresses.len(), MAX_TRACKED);
    // Once their budgets are whole, old addresses make room for new ones.
    throttle.failed(ip("192.0.2.200"), now + SECOND * 7);
    assert_eq!(throttle.state.lock().unwrap().addresses.len(), 1);
}
