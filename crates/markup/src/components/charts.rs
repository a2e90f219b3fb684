//! Small charts, each with the same facts in words beside it and as a table on request:
//! the charts are drawn for sighted readers, the words and tables carry the meaning.
//! Coordinates are whole numbers in a fine grid, so no floating-point formatting code
//! is needed in the Wasm.

use tis_core::time::{date_words, uk_time, zone_label};
use tis_core::wire::{
    DayMark, DayVerdict, HourLatency, LatencyPoint, latency_summary, ms_text, percent_text,
    strip_summary,
};

use crate::{El, Node, h, svg};

/// The width of one day in the strip's drawing units.
const DAY: usize = 4;
const HEIGHT: usize = 20;

fn day_bar(x: usize, verdict: DayVerdict) -> El {
    // No data is drawn short as well as grey, so it does not read as a good day.
    let (y, height) = if verdict == DayVerdict::NoData {
        (HEIGHT - 6, 6)
    } else {
        (0, HEIGHT)
    };
    svg("rect")
        .a("x", x.to_string())
        .a("y", y.to_string())
        .a("width", (DAY - 1).to_string())
        .a("height", height.to_string())
        .class(format!("day day-{}", verdict.as_str()))
}

fn drawing(view_box: String, class: &'static str) -> El {
    svg("svg")
        .class(class)
        .a("viewBox", view_box)
        .a("preserveAspectRatio", "none")
        .a("aria-hidden", "true")
        .a("focusable", "false")
}

/// Uptime day by day, oldest on the left, with the percentage and a summary in words.
pub fn uptime_strip(days: &[DayMark], uptime: Option<f64>) -> El {
    let count = days.len();
    let headline = match uptime {
        Some(p) => format!("{} uptime.", percent_text(p)),
        None => "No uptime figure yet.".to_string(),
    };
    let oldest = if count == 1 {
        "Today".to_string()
    } else {
        format!("{count} days ago")
    };
    h("div")
        .class("strip")
        .c(
            drawing(format!("0 0 {} {HEIGHT}", count * DAY), "strip-bars").cs(days
                .iter()
                .enumerate()
                .map(|(i, d)| day_bar(i * DAY, d.verdict()))),
        )
        .c(h("div")
            .class("strip-ends")
            .a("aria-hidden", "true")
            .c(h("span").t(oldest))
            .c(h("span").t("Today")))
        .c(h("p")
            .class("strip-text")
            .c(h("strong").t(headline))
            .t(format!(" {}", strip_summary(days))))
}

/// The key to the strip's colours and shapes.
pub fn strip_key() -> El {
    let verdicts = [
        DayVerdict::Good,
        DayVerdict::Degraded,
        DayVerdict::Down,
        DayVerdict::PartData,
        DayVerdict::NoData,
    ];
    h("ul")
        .class("strip-key")
        .a("aria-label", "Key to the uptime strips")
        .cs(verdicts.into_iter().map(|v| {
            h("li")
                .c(drawing("0 0 4 20".into(), "key-swatch").c(day_bar(0, v)))
                .t(v.label())
        }))
}

/// A line of typical response times over the last day, with its range in words.
pub fn latency_spark(hours: &[HourLatency]) -> El {
    let values: Vec<Option<u32>> = hours.iter().map(|h| h.median_ms).collect();
    let (width, height) = (2400, 400);
    h("div")
        .class("spark")
        .c(
            drawing(format!("0 0 {width} {height}"), "spark-line").cs(line_paths(
                &values,
                width,
                height,
                highest(&values),
            )
            .into_iter()
            .map(|d| svg("path").a("d", d).class("line-median"))),
        )
        .c(h("p").class("spark-text").t(latency_summary(hours)))
}

fn highest(values: &[Option<u32>]) -> u32 {
    values.iter().flatten().copied().max().unwrap_or(0)
}

/// SVG path data for a line through `values` (left to right, evenly spaced) drawn in
/// `width` × `height` with `top` at the top, broken where a value is missing.
pub fn line_paths(values: &[Option<u32>], width: u32, height: u32, top: u32) -> Vec<String> {
    let top = u64::from(top.max(1));
    let last = values.len().saturating_sub(1).max(1) as u64;
    // A little room at the top and bottom so the line is not cut by the edge.
    let margin = u64::from(height / 20);
    let usable = u64::from(height) - 2 * margin;
    let mut paths = Vec::new();
    let mut current = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = i as u64 * u64::from(width) / last;
                let y = u64::from(height) - margin - u64::from(*v).min(top) * usable / top;
                let command = if current.is_empty() { 'M' } else { 'L' };
                current.push_str(&format!("{command}{x} {y} "));
            }
            None if !current.is_empty() => paths.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    // A single point draws nothing as a line; a short tick shows it.
    let tick = (width / 100).max(1);
    paths
        .into_iter()
        .map(|p| {
            if p.contains('L') {
                p
            } else {
                format!("{p}h{tick}")
            }
        })
        .collect()
}

/// A "show as tables" panel: a native disclosure, so it works by keyboard and screen
/// reader, and its open state survives updates (see `dom::patch`).
pub fn table_alternative(summary: String, tables: impl IntoIterator<Item = El>) -> El {
    h("details")
        .class("alternative")
        .c(h("summary").t(summary))
        .cs(tables)
}

fn table(caption: String, head: &[&str], rows: impl IntoIterator<Item = El>) -> El {
    h("div")
        .class("table-scroll")
        .a("tabindex", "0")
        .a("role", "region")
        .a("aria-label", caption.clone())
        .c(h("table")
            .c(h("caption").t(caption))
            .c(h("thead").c(h("tr").cs(head.iter().map(|c| h("th").a("scope", "col").t(*c)))))
            .c(h("tbody").cs(rows)))
}

fn row(first: String, rest: impl IntoIterator<Item = String>) -> El {
    h("tr")
        .c(h("th").a("scope", "row").t(first))
        .cs(rest.into_iter().map(|c| h("td").t(c)))
}

/// Day by day, newest first.
pub fn uptime_table(days: &[DayMark], caption: String) -> El {
    table(
        caption,
        &["Day", "Uptime", "What happened"],
        days.iter().rev().map(|d| {
            let pct = d
                .uptime_percent()
                .map_or_else(|| "No data".to_string(), percent_text);
            row(date_words(d.date), [pct, d.describe()])
        }),
    )
}

fn ms(value: Option<u32>) -> String {
    value.map_or_else(|| "No answer".to_string(), ms_text)
}

/// Hour by hour, newest first.
pub fn hour_table(hours: &[HourLatency], caption: String) -> El {
    table(
        caption,
        &[
            "Hour starting",
            "Typical response",
            "Checks",
            "Failed checks",
        ],
        hours.iter().rev().map(|h| {
            row(
                format!("{} {}", uk_time(h.at), zone_label(h.at)),
                [ms(h.median_ms), h.checks.to_string(), h.failed.to_string()],
            )
        }),
    )
}

/// Spell by spell, newest first.
pub fn latency_table(points: &[LatencyPoint], caption: String) -> El {
    table(
        caption,
        &[
            "Starting",
            "Typical response",
            "Slowest 1 in 20",
            "Checks",
            "Failed checks",
        ],
        points.iter().rev().map(|p| {
            row(
                format!("{} {}", uk_time(p.at), zone_label(p.at)),
                [
                    ms(p.median_ms),
                    ms(p.p95_ms),
                    p.checks.to_string(),
                    p.failed.to_string(),
                ],
            )
        }),
    )
}

/// The service page's latency chart: typical and slowest (95th percentile) response
/// times in 5-minute spells over the last day, with an axis of UK hours.
pub fn latency_chart(points: &[LatencyPoint]) -> El {
    let (width, height) = (6000u32, 1600u32);
    let medians: Vec<Option<u32>> = points.iter().map(|p| p.median_ms).collect();
    let slowest: Vec<Option<u32>> = points.iter().map(|p| p.p95_ms).collect();
    let top = highest(&slowest).max(highest(&medians));
    let last = points.len().saturating_sub(1).max(1) as u64;
    let ticks = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.at.timestamp() % (6 * 3600) == 0)
        .map(|(i, p)| {
            let x = (i as u64 * u64::from(width) / last).to_string();
            svg("g")
                .class("tick")
                .c(svg("line")
                    .a("x1", x.clone())
                    .a("x2", x.clone())
                    .a("y1", "0")
                    .a("y2", height.to_string()))
                .c(svg("text")
                    .a("x", x)
                    .a("y", (height + 150).to_string())
                    .t(format!("{} {}", uk_time(p.at), zone_label(p.at))))
        });
    let lines = |values: &[Option<u32>], class: &'static str| {
        line_paths(values, width, height, top)
            .into_iter()
            .map(move |d| svg("path").a("d", d).class(class))
            .collect::<Vec<_>>()
    };
    h("figure")
        .class("chart")
        .c(svg("svg")
            .a(
                "viewBox",
                format!("-40 -40 {} {}", width + 80, height + 240),
            )
            .a("aria-hidden", "true")
            .a("focusable", "false")
            .cs(ticks)
            .c(svg("text")
                .class("axis")
                .a("x", "20")
                .a("y", "100")
                .t(format!("{top} ms")))
            .cs(lines(&slowest, "line-slow"))
            .cs(lines(&medians, "line-median")))
        .c(h("figcaption")
            .c(h("span").class("key-median").t("Typical (median)"))
            .t(" and ")
            .c(h("span")
                .class("key-slow")
                .t("slowest 1 in 20 (95th percentile)"))
            .t(" response times in 5-minute spells over the last 24 hours, UK time."))
}

/// Turns a list of content into nodes.
pub fn nodes(list: impl IntoIterator<Item = El>) -> Vec<Node> {
    list.into_iter().map(Node::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_gaps_and_single_points_still_show() {
        let paths = line_paths(&[Some(10), Some(20), None, Some(5)], 300, 200, 20);
        assert_eq!(paths, ["M0 100 L100 10 ", "M300 145 h3"]);
        assert!(line_paths(&[None, None], 10, 10, 0).is_empty());
    }
}
