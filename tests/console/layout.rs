//! The console's main pages at a laptop's and a phone's width, in a real Chromium: each is
//! saved as a screenshot (`target/tmp/console-screenshots/<page>-<width>.png`, to look at)
//! and held to what can be measured: no sideways scrolling, every label and placeholder
//! shown whole, controls apart from each other.

use super::browser::Browser;
use super::setup::{deliver_signup, events, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup, ADMIN_TOKEN};

/// A laptop and a phone (CSS pixels).
const WIDTHS: [u32; 2] = [1280, 390];

/// Tall enough that most pages fit whole in their screenshot.
const HEIGHT: u32 = 1400;

/// Controls in one form (or row of actions) at least this far apart, in pixels...
const SAME_FORM_GAP: f64 = 8.0;
/// ...and controls of different forms further still, so each reads as its own.
const OTHER_FORM_GAP: f64 = 24.0;

/// Everything measurable that is wrong with the page, as sentences (none: it is fine).
const LAYOUT_PROBLEMS: &str = r#"
const problems = [];
const [sameForm, otherForm] = arguments;
const width = window.innerWidth;
const scroll = document.scrollingElement.scrollWidth;
if (scroll > width) problems.push(`the page scrolls sideways: ${scroll} px wide in ${width}`);
const name = (element) => `${element.tagName.toLowerCase()} "${(element.textContent || element.value || element.placeholder || '').trim().slice(0, 40)}"`;

// Labels: a size, on the screen, and not covered by a control (nor by the focus ring of the
// focused one, which is drawn outside its box).
const reach = (element) => {
  const box = element.getBoundingClientRect();
  if (element !== document.activeElement) return box;
  const style = getComputedStyle(element);
  const ring = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
  return { left: box.left - ring, right: box.right + ring, top: box.top - ring, bottom: box.bottom + ring };
};
const labels = [...document.querySelectorAll('main label, main dt, main legend')];
const controls = [...document.querySelectorAll(
  'main :is(form, .actions) :is(button, input:not([type=hidden]), select, a)')];
for (const label of labels) {
  const box = label.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) problems.push(`${name(label)} is not shown`);
  else if (box.left < 0 || box.right > width) problems.push(`${name(label)} leaves the screen`);
  if (label.querySelector('input, select')) continue;
  for (const control of controls) {
    const other = reach(control);
    const overlap = Math.min(box.right, other.right) - Math.max(box.left, other.left) > 0
      && Math.min(box.bottom, other.bottom) - Math.max(box.top, other.top) > 0;
    if (overlap) problems.push(`${name(control)} covers ${name(label)}`);
  }
}

// Placeholders: the whole hint fits in its field.
const measure = document.createElement('canvas').getContext('2d');
for (const input of document.querySelectorAll('main input[placeholder]')) {
  const style = getComputedStyle(input);
  measure.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const needed = measure.measureText(input.placeholder).width;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  if (needed > room) problems.push(`the placeholder of ${name(input)} is cut: ${needed.toFixed(0)} px in ${room.toFixed(0)}`);
}

// Controls: apart, further apart when they belong to different forms.
const gap = (a, b) => Math.max(b.left - a.right, a.left - b.right, b.top - a.bottom, a.top - b.bottom);
for (let i = 0; i < controls.length; i++) {
  for (let j = i + 1; j < controls.length; j++) {
    const [a, b] = [controls[i], controls[j]];
    const apart = gap(a.getBoundingClientRect(), b.getBoundingClientRect());
    const needed = a.closest('form') === b.closest('form') ? sameForm : otherForm;
    if (apart < needed) problems.push(`${name(a)} and ${name(b)} are ${apart.toFixed(0)} px apart (at least ${needed})`);
  }
}
return problems;
"#;

/// Sets the page area to `width` CSS pixels (the window's frame, if any, added).
async fn resize(browser: &Browser, width: u32) {
    browser
        .client
        .set_window_size(width, HEIGHT)
        .await
        .expect("resize the window");
    let inner = browser
        .client
        .execute("return window.innerWidth", vec![])
        .await
        .expect("read the width")
        .as_u64()
        .expect("a width") as u32;
    if inner != width {
        browser
            .client
            .set_window_size(2 * width - inner, HEIGHT)
            .await
            .expect("resize the window");
    }
}

/// Screenshots the current page as `<page>-<width>` and returns what is wrong with it.
async fn inspect(browser: &Browser, page: &str, width: u32) -> Vec<String> {
    browser.screenshot(&format!("{page}-{width}")).await;
    let arguments = vec![SAME_FORM_GAP.into(), OTHER_FORM_GAP.into()];
    let problems = browser
        .client
        .execute(LAYOUT_PROBLEMS, arguments)
        .await
        .expect("measure the page");
    let inner = browser
        .client
        .execute("return window.innerWidth", vec![])
        .await
        .expect("read the width");
    let mut found: Vec<String> = serde_json::from_value(problems).expect("a list of problems");
    if inner != width {
        found.push(format!("the page is {inner} px wide, not {width}"));
    }
    found
        .into_iter()
        .map(|problem| format!("{page} at {width} px: {problem}"))
        .collect()
}

#[tokio::test]
async fn every_page_fits_a_laptop_and_a_phone_with_labels_shown_and_controls_apart() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    deliver_signup(&app).await;
    let first = events(&app).await[0].0;
    let base = &app.address;
    let browser = Browser::start().await;
    let mut problems = Vec::new();

    for width in WIDTHS {
        resize(&browser, width).await;
        browser.open(&format!("{base}/admin/console/sign-in")).await;
        problems.extend(inspect(&browser, "sign-in", width).await);
        browser.fill("token", ADMIN_TOKEN).await;
        browser.click("Sign in").await;
        problems.extend(inspect(&browser, "overview", width).await);
        browser
            .open(&format!("{base}/admin/console/events?status=failed"))
            .await;
        problems.extend(inspect(&browser, "events", width).await);
        browser
            .open(&format!("{base}/admin/console/events/{first}"))
            .await;
        problems.extend(inspect(&browser, "event", width).await);
        browser
            .open(&format!("{base}/admin/console/events/replay?status=failed"))
            .await;
        problems.extend(inspect(&browser, "replay-confirm", width).await);
        // Still sabotaged: nothing applies.
        browser.click("Replay 2 events").await;
        problems.extend(inspect(&browser, "replay-done", width).await);
        browser.click("Sign out").await;
    }
    browser.close().await;

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn a_bulk_replay_that_applied_nothing_warns_instead_of_reporting_success() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    deliver_signup(&app).await;
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/admin/console/sign-in", app.address))
        .await;
    browser.fill("token", ADMIN_TOKEN).await;
    browser.click("Sign in").await;
    browser
        .open(&format!(
            "{}/admin/console/events/replay?status=failed",
            app.address
        ))
        .await;

    browser.click("Replay 2 events").await;
    let result = browser.text("#bulk-result").await;
    let class = browser.class("#bulk-result").await;
    browser.close().await;

    assert!(
        result.starts_with("Replayed 2 events: 0 applied, 2 still failing"),
        "{result}"
    );
    assert_eq!(class, "notice warn");
}
