//! Where each table of a config file starts and ends, so a problem names its line.

/// Where the tables of a config file start and end, by line (0-based), so that a problem
/// can point at the line of the field to fix.
pub(crate) struct Layout {
    /// `[server]`'s lines.
    server: Option<std::ops::Range<usize>>,
    services: Vec<ServiceLines>,
    smtp: Option<std::ops::Range<usize>>,
    channels: Vec<std::ops::Range<usize>>,
    alerts: Vec<std::ops::Range<usize>>,
    canaries: Vec<std::ops::Range<usize>>,
    store: Option<std::ops::Range<usize>>,
}

struct ServiceLines {
    /// From `[[service]]` to its first probe (or its end).
    own: std::ops::Range<usize>,
    probes: Vec<std::ops::Range<usize>>,
}

impl Layout {
    pub(super) fn of(text: &str) -> Layout {
        let lines: Vec<&str> = text.lines().collect();
        let mut layout = Layout {
            server: None,
            services: Vec::new(),
            smtp: None,
            channels: Vec::new(),
            alerts: Vec::new(),
            canaries: Vec::new(),
            store: None,
        };
        // What the lines from here on belong to.
        enum In {
            Nothing,
            Server,
            Service,
            Probe,
            Smtp,
            Channel,
            Alert,
            Canary,
            Store,
        }
        let mut now = In::Nothing;
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            if t.starts_with('[') {
                let header: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                now = if header.starts_with("[[service.probe]]") {
                    if let Some(s) = layout.services.last_mut() {
                        s.probes.push(i..i + 1);
                    }
                    In::Probe
                } else if header.starts_with("[service.probe.") {
                    In::Probe
                } else if header.starts_with("[[service]]") {
                    layout.services.push(ServiceLines {
                        own: i..i + 1,
                        probes: Vec::new(),
                    });
                    In::Service
                } else if header.starts_with("[server]") {
                    layout.server = Some(i..i + 1);
                    In::Server
                } else if header.starts_with("[smtp]") {
                    layout.smtp = Some(i..i + 1);
                    In::Smtp
                } else if header.starts_with("[[channel]]") {
                    layout.channels.push(i..i + 1);
                    In::Channel
                } else if header.starts_with("[[alert]]") {
                    layout.alerts.push(i..i + 1);
                    In::Alert
                } else if header.starts_with("[store]") {
                    layout.store = Some(i..i + 1);
                    In::Store
                } else if header.starts_with("[[canary]]") {
                    layout.canaries.push(i..i + 1);
                    In::Canary
                } else {
                    In::Nothing
                };
                continue;
            }
            match now {
                In::Nothing => {}
                In::Server => {
                    if let Some(r) = &mut layout.server {
                        r.end = i + 1;
                    }
                }
                In::Service => {
                    if let Some(s) = layout.services.last_mut() {
                        s.own.end = i + 1;
                    }
                }
                In::Probe => {
                    if let Some(r) = layout.services.last_mut().and_then(|s| s.probes.last_mut()) {
                        r.end = i + 1;
                    }
                }
                In::Smtp => {
                    if let Some(r) = &mut layout.smtp {
                        r.end = i + 1;
                    }
                }
                In::Channel => {
                    if let Some(r) = layout.channels.last_mut() {
                        r.end = i + 1;
                    }
                }
                In::Alert => {
                    if let Some(r) = layout.alerts.last_mut() {
                        r.end = i + 1;
                    }
                }
                In::Canary => {
                    if let Some(r) = layout.canaries.last_mut() {
                        r.end = i + 1;
                    }
                }
                In::Store => {
                    if let Some(r) = &mut layout.store {
                        r.end = i + 1;
                    }
                }
            }
        }
        layout
    }

    /// The 1-based line of `key = …` within `lines`, or of the table's header.
    fn find(text: &str, lines: &std::ops::Range<usize>, field: &str) -> Option<usize> {
        // `headers.Accept` and `depends_on[1]` are written under `headers` and `depends_on`.
        let key = field.split(['.', '[']).next().unwrap_or(field);
        text.lines()
            .enumerate()
            .skip(lines.start)
            .take(lines.len())
            .find(|(_, l)| {
                let l = l.trim_start();
                let rest = l
                    .strip_prefix(key)
                    .or_else(|| l.strip_prefix(&format!("\"{key}\"")));
                rest.is_some_and(|r| r.trim_start().starts_with('='))
            })
            .or_else(|| {
                // A sub-table such as [service.probe.headers].
                text.lines()
                    .enumerate()
                    .skip(lines.start)
                    .take(lines.len())
                    .find(|(_, l)| l.trim() == format!("[service.probe.{key}]"))
            })
            .map(|(n, _)| n)
            .or(Some(lines.start))
            .map(|n| n + 1)
    }

    pub(super) fn server_field(&self, text: &str, field: &str) -> Option<usize> {
        Layout::find(text, self.server.as_ref()?, field)
    }

    /// The line of a field of `[store]`.
    pub(super) fn store_field(&self, text: &str, field: &str) -> Option<usize> {
        Layout::find(text, self.store.as_ref()?, field)
    }

    /// The line of a field of `[smtp]`.
    pub(crate) fn smtp_field(&self, text: &str, field: &str) -> Option<usize> {
        Layout::find(text, self.smtp.as_ref()?, field)
    }

    /// The line of a field of the `n`th `[[channel]]` (0-based).
    pub(crate) fn channel_field(&self, text: &str, n: usize, field: &str) -> Option<usize> {
        Layout::find(text, self.channels.get(n)?, field)
    }

    /// The line of a field of the `n`th `[[alert]]` (0-based).
    pub(crate) fn alert_field(&self, text: &str, n: usize, field: &str) -> Option<usize> {
        Layout::find(text, self.alerts.get(n)?, field)
    }

    /// The line of a field of the `n`th `[[canary]]` (0-based).
    pub(super) fn canary_field(&self, text: &str, n: usize, field: &str) -> Option<usize> {
        Layout::find(text, self.canaries.get(n)?, field)
    }

    pub(super) fn service_field(&self, text: &str, service: usize, field: &str) -> Option<usize> {
        Layout::find(text, &self.services.get(service)?.own, field)
    }

    pub(super) fn probe_field(
        &self,
        text: &str,
        service: usize,
        probe: usize,
        field: &str,
    ) -> Option<usize> {
        let lines = self.services.get(service)?.probes.get(probe)?;
        Layout::find(text, lines, field)
    }
}
