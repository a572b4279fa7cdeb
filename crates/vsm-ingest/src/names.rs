//! Interned names: activities and resources repeat millions of times in a log, so events carry a
//! small index and the text is stored once.

use std::collections::HashMap;

/// A table of names, each stored once.
#[derive(Clone, Debug, Default)]
pub struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    /// The index of `name`, adding it on first sight.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.index.get(name) {
            return index;
        }
        let index = u32::try_from(self.names.len()).expect("fewer than 4 billion names");
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), index);
        index
    }

    pub fn get(&self, index: u32) -> &str {
        &self.names[index as usize]
    }

    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Interns every name of `other`; returns, for each of its indices, the index here.
    pub fn merge(&mut self, other: &Names) -> Vec<u32> {
        other.names.iter().map(|name| self.intern(name)).collect()
    }

    pub fn as_slice(&self) -> &[String] {
        &self.names
    }
}
