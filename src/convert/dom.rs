//! A minimal arena DOM for html5ever: nodes in a `Vec`, linked by index. No reference
//! cycles and no recursion, so a document nested 100,000 levels deep is built, walked and
//! dropped like any other.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::{Attribute, QualName, ns};

#[derive(Debug)]
pub enum Data {
    Document,
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
        template: Option<usize>,
    },
    Text(String),
    Comment,
    Other,
}

#[derive(Debug)]
pub struct Node {
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub data: Data,
    /// The line of the input where the parser made the node (for an element, the line where
    /// its start tag ends).
    pub line: u32,
}

/// A handle carries the element name itself, so that `elem_name` needs no borrow of the arena.
#[derive(Clone, Debug)]
pub struct Handle(Rc<Head>);

#[derive(Debug)]
struct Head {
    id: usize,
    name: QualName,
}

#[derive(Default)]
pub struct Dom {
    nodes: RefCell<Vec<Node>>,
    handles: RefCell<Vec<Handle>>,
    /// The parser's current line.
    line: std::cell::Cell<u32>,
}

impl Dom {
    pub fn new() -> Self {
        let dom = Dom::default();
        dom.line.set(1);
        dom.push(Data::Document);
        dom
    }

    /// The finished tree; node 0 is the document.
    pub fn into_nodes(self) -> Vec<Node> {
        self.nodes.into_inner()
    }

    fn push(&self, data: Data) -> Handle {
        let mut nodes = self.nodes.borrow_mut();
        let id = nodes.len();
        let name = match &data {
            Data::Element { name, .. } => name.clone(),
            _ => QualName::new(None, ns!(), "".into()),
        };
        nodes.push(Node {
            parent: None,
            children: Vec::new(),
            data,
            line: self.line.get(),
        });
        let handle = Handle(Rc::new(Head { id, name }));
        self.handles.borrow_mut().push(handle.clone());
        handle
    }

    fn handle(&self, id: usize) -> Handle {
        self.handles.borrow()[id].clone()
    }

    fn detach(nodes: &mut [Node], id: usize) {
        if let Some(parent) = nodes[id].parent.take() {
            nodes[parent].children.retain(|&c| c != id);
        }
    }

    fn new_text(nodes: &mut Vec<Node>, handles: &mut Vec<Handle>, text: &str) -> usize {
        let id = nodes.len();
        let line = nodes.last().map_or(1, |n| n.line);
        nodes.push(Node {
            parent: None,
            children: Vec::new(),
            data: Data::Text(text.to_string()),
            line,
        });
        handles.push(Handle(Rc::new(Head {
            id,
            name: QualName::new(None, ns!(), "".into()),
        })));
        id
    }
}

impl TreeSink for Dom {
    type Handle = Handle;
    type Output = Self;
    type ElemName<'a> = &'a QualName;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn set_current_line(&self, line: u64) {
        self.line.set(u32::try_from(line).unwrap_or(u32::MAX));
    }

    fn get_document(&self) -> Handle {
        self.handle(0)
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> &'a QualName {
        &target.0.name
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        let template = flags.template.then(|| self.push(Data::Document).0.id);
        self.push(Data::Element {
            name,
            attrs,
            template,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> Handle {
        self.push(Data::Comment)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        self.push(Data::Other)
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        let mut nodes = self.nodes.borrow_mut();
        let parent = parent.0.id;
        match child {
            NodeOrText::AppendText(text) => {
                if let Some(&last) = nodes[parent].children.last()
                    && let Data::Text(existing) = &mut nodes[last].data
                {
                    existing.push_str(&text);
                    return;
                }
                let id = Dom::new_text(&mut nodes, &mut self.handles.borrow_mut(), &text);
                nodes[id].parent = Some(parent);
                nodes[parent].children.push(id);
            }
            NodeOrText::AppendNode(node) => {
                let id = node.0.id;
                Dom::detach(&mut nodes, id);
                nodes[id].parent = Some(parent);
                nodes[parent].children.push(id);
            }
        }
    }

    fn append_before_sibling(&self, sibling: &Handle, child: NodeOrText<Handle>) {
        let mut nodes = self.nodes.borrow_mut();
        let sibling = sibling.0.id;
        let Some(parent) = nodes[sibling].parent else {
            return;
        };
        let Some(index) = nodes[parent].children.iter().position(|&c| c == sibling) else {
            return;
        };
        let id = match child {
            NodeOrText::AppendText(text) => {
                if index > 0 {
                    let prev = nodes[parent].children[index - 1];
                    if let Data::Text(existing) = &mut nodes[prev].data {
                        existing.push_str(&text);
                        return;
                    }
                }
                Dom::new_text(&mut nodes, &mut self.handles.borrow_mut(), &text)
            }
            NodeOrText::AppendNode(node) => {
                Dom::detach(&mut nodes, node.0.id);
                node.0.id
            }
        };
        // Detaching may have shifted the sibling.
        let index = nodes[parent]
            .children
            .iter()
            .position(|&c| c == sibling)
            .unwrap_or(index);
        nodes[id].parent = Some(parent);
        nodes[parent].children.insert(index, id);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        let has_parent = self.nodes.borrow()[element.0.id].parent.is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public_id: StrTendril,
        _system_id: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &Handle) -> Handle {
        let template = match &self.nodes.borrow()[target.0.id].data {
            Data::Element {
                template: Some(t), ..
            } => Some(*t),
            _ => None,
        };
        template.map_or_else(|| target.clone(), |t| self.handle(t))
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        x.0.id == y.0.id
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        if let Data::Element {
            attrs: existing, ..
        } = &mut self.nodes.borrow_mut()[target.0.id].data
        {
            for attr in attrs {
                if !existing.iter().any(|e| e.name == attr.name) {
                    existing.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Handle) {
        Dom::detach(&mut self.nodes.borrow_mut(), target.0.id);
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        let mut nodes = self.nodes.borrow_mut();
        let children = std::mem::take(&mut nodes[node.0.id].children);
        for &c in &children {
            nodes[c].parent = Some(new_parent.0.id);
        }
        nodes[new_parent.0.id].children.extend(children);
    }
}
