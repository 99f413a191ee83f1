//! Circles of imports: the groups of modules that reach each other through their imports.

use std::collections::{BTreeMap, BTreeSet};

/// An import from one child of `parent` to another, where it is written.
pub type Edges = BTreeMap<(String, String), BTreeSet<String>>;

/// The strongly connected components of more than one module (Tarjan's algorithm).
pub fn circles_of(edges: &Edges) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default();
    }
    struct Walk<'a> {
        next: &'a BTreeMap<&'a String, Vec<&'a String>>,
        index: BTreeMap<&'a String, (usize, usize)>,
        stack: Vec<&'a String>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a String) {
        let number = walk.index.len();
        walk.index.insert(node, (number, number));
        walk.stack.push(node);
        for &to in &walk.next[node] {
            if !walk.index.contains_key(to) {
                visit(walk, to);
                let low = walk.index[to].1.min(walk.index[node].1);
                walk.index.get_mut(node).unwrap().1 = low;
            } else if walk.stack.contains(&to) {
                let low = walk.index[to].0.min(walk.index[node].1);
                walk.index.get_mut(node).unwrap().1 = low;
            }
        }
        if walk.index[node].0 == walk.index[node].1 {
            let mut component = Vec::new();
            while let Some(top) = walk.stack.pop() {
                component.push(top.clone());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                walk.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        next: &next,
        index: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in next.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found
}
