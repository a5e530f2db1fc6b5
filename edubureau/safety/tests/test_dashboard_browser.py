"""Browser smoke test at phone width: the dashboard draws its charts with the vendored
ECharts from the embedded JSON, fits 375 px, and a bar opens the list behind it; a
school downloads its campaign feedback from the campaign page."""

from __future__ import annotations

import pytest
import time_machine

from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_2026 import TODAY, build_dataset
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The centre (in canvas pixels) of the first bar of the first series, asked of ECharts.
BAR_CENTRE = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('[data-chart=chart-open]'));
  const opt = chart.getOption();
  const first = opt.series.findIndex((s) => s.data[0] > 0);
  const value = opt.series.slice(0, first + 1).reduce((sum, s) => sum + s.data[0], 0);
  const end = chart.convertToPixel({seriesIndex: first}, [value, 0]);
  const start = chart.convertToPixel({seriesIndex: first}, [value - opt.series[first].data[0], 0]);
  return [(start[0] + end[0]) / 2, end[1]];
}"""


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_it_draws_the_dashboard_on_a_phone(live_server, cast, browser, phone_page, screenshot):
    with time_machine.travel(local(TODAY), tick=True):
        data = build_dataset(cast)
        base, page = live_server.url, phone_page
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, "leader")
        page.goto(f"{base}/safety/dashboard/?year=2026")
        page.wait_for_selector("[data-chart=chart-open] canvas")
        page.wait_for_selector("[data-chart=chart-trend] canvas")
        assert not errors
        assert _fits(page)
        width = page.evaluate(
            "document.querySelector('[data-chart=chart-open]').getBoundingClientRect().width"
        )
        assert 250 <= width <= 375
        screenshot(page, "safety-dashboard-bureau-375")
        # The long township × category table starts folded on a phone; a tap opens it.
        townships = page.locator("details.fold-on-phone:has([data-testid=open-township-table])")
        assert townships.get_attribute("open") is None
        assert not page.locator("[data-testid=open-township-table]").is_visible()
        townships.locator("summary").click()
        assert page.locator("[data-testid=open-township-table]").is_visible()
        assert _fits(page)
        # A bar of the chart opens the list of the hazards it counts.
        page.locator("[data-chart=chart-open]").scroll_into_view_if_needed()
        box = page.locator("[data-chart=chart-open] canvas").bounding_box()
        bar = page.evaluate(BAR_CENTRE)
        page.mouse.click(box["x"] + bar[0], box["y"] + bar[1])
        page.wait_for_url("**/safety/hazards/?status=unresolved&category=*")

        school = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        page = school.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, "a_officer")
        page.goto(f"{base}/safety/dashboard/?year=2026")
        page.wait_for_selector("[data-chart=chart-trend] canvas")
        assert page.locator("[data-testid=own-status]").inner_text() == "已按时提交"
        assert _fits(page)
        screenshot(page, "safety-dashboard-school-375")
        # The school's row of a campaign gives it the check's feedback to download.
        page.goto(f"{base}/safety/campaigns/{data.campaign.pk}/")
        assert _fits(page)
        screenshot(page, "safety-campaign-school-375")
        with page.expect_download() as download:
            page.click("[data-testid=feedback]")
        assert download.value.suggested_filename.endswith("检查情况反馈（甲镇中心小学）.docx")
        assert not errors
        school.close()
