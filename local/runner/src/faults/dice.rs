//! Seeded random decisions. Each kind of fault rolls its own generator, so turning one fault on or
//! off leaves the decisions of the others as they were for the same seed. Which invocation meets
//! which decision still depends on the order calls arrive in, which concurrency may change.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::plan::Rate;

/// What a generator decides about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    HandlerErrors = 1,
    SesErrors = 2,
    Crashes = 3,
}

pub struct FaultDice {
    rng: Mutex<StdRng>,
}

impl FaultDice {
    pub fn new(seed: u64, purpose: Purpose) -> Self {
        // Spread the purposes far apart in seed space; seed_from_u64 mixes the bits further.
        let seed = seed ^ (purpose as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        FaultDice {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    fn with<T>(&self, roll: impl FnOnce(&mut StdRng) -> T) -> T {
        // A poisoned generator is still a generator.
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        roll(&mut rng)
    }

    /// `true` with probability `rate`.
    pub fn hits(&self, rate: Rate) -> bool {
        if rate.is_never() {
            return false;
        }
        self.with(|rng| rng.random_bool(rate.get()))
    }

    /// A duration from zero to `max`, evenly spread.
    pub fn duration_up_to(&self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.with(|rng| rng.random_range(0..=micros)))
    }

    /// One of `choices` (which must not be empty), evenly.
    pub fn pick<'a, T>(&self, choices: &'a [T]) -> Option<&'a T> {
        if choices.is_empty() {
            return None;
        }
        let index = self.with(|rng| rng.random_range(0..choices.len()));
        choices.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rolls(dice: &FaultDice, rate: f64) -> Vec<bool> {
        let rate = Rate::new(rate).expect("a rate");
        (0..64).map(|_| dice.hits(rate)).collect()
    }

    #[test]
    fn the_same_seed_replays_the_same_decisions() {
        let a = rolls(&FaultDice::new(42, Purpose::SesErrors), 0.3);
        let b = rolls(&FaultDice::new(42, Purpose::SesErrors), 0.3);
        assert_eq!(a, b);
        assert_ne!(a, rolls(&FaultDice::new(42, Purpose::Crashes), 0.3));
        assert_ne!(a, rolls(&FaultDice::new(43, Purpose::SesErrors), 0.3));
    }

    #[test]
    fn rates_zero_and_one_are_never_and_always() {
        let dice = FaultDice::new(1, Purpose::HandlerErrors);
        assert!(rolls(&dice, 0.0).iter().all(|hit| !hit));
        assert!(rolls(&dice, 1.0).iter().all(|hit| *hit));
        let hits = (0..10_000)
            .filter(|_| dice.hits(Rate::new(0.3).expect("rate")))
            .count();
        assert!((2_500..3_500).contains(&hits), "{hits} of 10000 at 0.3");
    }

    #[test]
    fn durations_stay_within_the_bound() {
        let dice = FaultDice::new(9, Purpose::Crashes);
        for _ in 0..100 {
            assert!(dice.duration_up_to(Duration::from_millis(50)) <= Duration::from_millis(50));
        }
        assert_eq!(dice.duration_up_to(Duration::ZERO), Duration::ZERO);
        assert_eq!(dice.pick::<u8>(&[]), None);
        assert!(dice.pick(&[1, 2]).is_some());
    }
}
