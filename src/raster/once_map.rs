//! Values computed once per key and shared, even when several threads ask
//! for the same key at once: the first computes, the others wait for it;
//! threads asking for different keys never wait on each other's work.
//! Backs the raster caches (static backgrounds, overlay layers, photo windows).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug)]
pub(crate) struct OnceMap<K, V> {
    slots: Mutex<HashMap<K, Arc<OnceLock<V>>>>,
}

impl<K, V> Default for OnceMap<K, V> {
    fn default() -> Self {
        OnceMap {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> OnceMap<K, V> {
    /// The value for `key`, computed by `init` the first time it is asked for.
    pub fn get_or_init(&self, key: K, init: impl FnOnce() -> V) -> V {
        // The map's lock is held only to find the slot, not while computing.
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(key).or_default().clone()
        };
        slot.get_or_init(init).clone()
    }
}
