//! The public pages and the addresses they live at: one list for the browser app's
//! router and for the server, which writes the content of the same pages into their HTML.

/// Every page of the public app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Overview,
    Service(String),
    Incidents,
    Incident(i64),
    Notices,
    About,
    /// The form "Get emails about TIS problems".
    Subscribe,
    NotFound,
}

impl Page {
    /// The page for an address path ("/incidents/3"); an incident id that is not a
    /// number is [`Page::NotFound`], never an incident of its own.
    pub fn for_path(path: &str) -> Page {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts[..] {
            [] => Page::Overview,
            ["services", id] => Page::Service(
                percent_encoding::percent_decode_str(id)
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
            ["incidents"] => Page::Incidents,
            ["incidents", id] => id.parse().map_or(Page::NotFound, Page::Incident),
            ["notices"] => Page::Notices,
            ["about"] => Page::About,
            ["subscribe"] => Page::Subscribe,
            _ => Page::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_names_its_page() {
        assert_eq!(Page::for_path("/"), Page::Overview);
        assert_eq!(Page::for_path(""), Page::Overview);
        assert_eq!(
            Page::for_path("/services/bulk%20upload"),
            Page::Service("bulk upload".into())
        );
        assert_eq!(Page::for_path("/incidents/"), Page::Incidents);
        assert_eq!(Page::for_path("/incidents/3"), Page::Incident(3));
        assert_eq!(Page::for_path("/incidents/three"), Page::NotFound);
        assert_eq!(Page::for_path("/notices"), Page::Notices);
        assert_eq!(Page::for_path("/about"), Page::About);
        assert_eq!(Page::for_path("/about/more"), Page::NotFound);
        assert_eq!(Page::for_path("/subscribe"), Page::Subscribe);
        assert_eq!(Page::for_path("/nope"), Page::NotFound);
        assert_eq!(Page::for_path("/services/a/b"), Page::NotFound);
    }
}
