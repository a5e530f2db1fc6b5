"""Importing returns from a workbook (stats.imports and its pages): the template
downloaded, filled and uploaded comes back as figures with their cells; a file with
errors changes nothing; a preview gone stale, a locked return, another school's row
are refused; the bureau's statistics department imports its schools; a batch is seen
by its bureau and its school only."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from edubureau.audit.models import AuditEvent
from edubureau.core.concurrency import EditConflict
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import excel, imports, services
from edubureau.stats.models import ImportStatus, ReturnImport, ReturnStatus, StatReturn
from edubureau.stats.tests.factories import consistent_values
from edubureau.stats.tests.factories_returns import census_year, file_return
from edubureau.stats.tests.people import stats_staff
from edubureau.stats.tests.test_excel import fill

pytestmark = pytest.mark.django_db


def upload(data, name="returns.xlsx"):
    return imports.Upload(name=name, data=data)


def school_template(cast, user=None):
    data, _ = imports.template_for(user or cast.school_a_officer, census_year())
    return data


def test_the_template_round_trips_through_the_pages(cast, client_for):
    client = client_for(cast.school_a_officer)
    year = census_year()
    page = client.get(reverse("stats:import-upload"))
    assert page.status_code == 200 and "下载本校" in page.text
    download = client.get(reverse("stats:import-template"), {"year": year})
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    values = consistent_values("primary")
    filled = fill(download.content, {cast.school_a.identifier: values})
    file = io.BytesIO(filled)
    file.name = "本校报表.xlsx"
    sent = client.post(reverse("stats:import-upload"), {"year": year, "file": file})
    batch = ReturnImport.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("stats:import-detail", args=[batch.pk])
    assert not StatReturn.objects.exists()  # the preview touches no return
    preview = client.get(sent.url)
    assert "新增1份" in preview.text and cast.school_a.name in preview.text
    assert 'data-testid="apply-import"' in preview.text
    applied = client.post(reverse("stats:import-apply", args=[batch.pk]), {"sha256": batch.sha256})
    assert applied.status_code == 302
    ret = StatReturn.objects.get(school=cast.school_a)
    assert ret.values == values and ret.status == ReturnStatus.DRAFT
    assert ret.import_batch_id == batch.pk
    assert ret.import_cells["primary.enrolled"] == "小学!C5"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and batch.summary["applied"]["new"] == 1
    assert AuditEvent.objects.filter(model_label="stats.StatReturn", object_id=str(ret.pk)).exists()
    assert "导入完成：新增1份" in client.get(sent.url).text
    # Downloaded again, the template carries the figures: the same file changes nothing.
    again = imports.preview_import(
        cast.school_a_officer, year, upload(school_template(cast)), school=cast.school_a
    )
    assert again.summary["counts"] == {"new": 0, "changed": 0, "unchanged": 1}


def test_a_workbook_with_errors_changes_nothing_and_names_every_bad_cell(cast, client_for):
    year = census_year()
    ret = file_return(cast.school_a, year, consistent_values("primary"), status=ReturnStatus.DRAFT)
    before = dict(ret.values)
    bad = consistent_values("primary") | {
        "primary.grade1": 41,
        "primary.teachers": "十二",
        "primary.classes": -2,
    }
    data = fill(school_template(cast), {cast.school_a.identifier: bad})
    batch = imports.preview_import(cast.school_a_officer, year, upload(data), school=cast.school_a)
    errors = batch.summary["errors"]
    assert {(e["sheet"], e["row"]) for e in errors} == {("小学", 5)}
    assert len(errors) == 3 and all(e["column"] for e in errors)
    assert any(e["value"] == "十二" and "应填写整数" in e["rule"] for e in errors)
    page = client_for(cast.school_a_officer).get(reverse("stats:import-detail", args=[batch.pk]))
    assert (
        "错误3处" in page.text
        and "工作表" in page.text
        and 'data-testid="apply-import"' not in page.text
    )
    with pytest.raises(services.ReturnError):
        imports.apply_import(cast.school_a_officer, batch.pk)
    ret.refresh_from_db()
    assert ret.values == before and ret.import_batch_id is None


def test_a_stale_preview_is_refused_and_nothing_changes(cast):
    year = census_year()
    ret = file_return(cast.school_a, year, consistent_values("primary"), status=ReturnStatus.DRAFT)
    changed = consistent_values("primary") | {
        "primary.teachers": 13,
        "primary.teachers_qualified": 13,
    }
    data = fill(school_template(cast), {cast.school_a.identifier: changed})
    batch = imports.preview_import(cast.school_a_officer, year, upload(data), school=cast.school_a)
    assert batch.summary["counts"]["changed"] == 1
    # Saved in the browser after the preview.
    typed = consistent_values("primary") | {"primary.disabled": 3}
    services.return_save(
        actor=cast.school_a_officer, stat_return=ret, filled=services.Filled(values=typed)
    )
    with pytest.raises(imports.ImportRefused, match="已有变动"):
        imports.apply_import(cast.school_a_officer, batch.pk)
    ret.refresh_from_db()
    assert ret.values == typed
    assert ReturnImport.objects.get().status == ImportStatus.PREVIEWED
    # The page's token is the file's: a confirmation of another file is refused.
    with pytest.raises(EditConflict):
        imports.apply_import(cast.school_a_officer, batch.pk, loaded="0" * 64)


def test_a_locked_return_is_not_overwritten(cast):
    year = census_year()
    values = consistent_values("primary")
    ret = file_return(cast.school_a, year, values, status=ReturnStatus.LOCKED)
    data = fill(school_template(cast), {cast.school_a.identifier: values | {"primary.disabled": 2}})
    batch = imports.preview_import(cast.school_a_officer, year, upload(data), school=cast.school_a)
    (error,) = batch.summary["errors"]
    assert error["rule"].startswith(f"该校{year}年统计报表已锁定，导入不能覆盖")
    assert error["column"] == "A" and error["row"] == 5
    with pytest.raises(services.ReturnError):
        imports.apply_import(cast.school_a_officer, batch.pk)
    ret.refresh_from_db()
    assert ret.values == values


def test_a_school_cannot_import_another_school(cast, client_for):
    year = census_year()
    data = fill(school_template(cast), {cast.school_a.identifier: consistent_values("primary")})
    book = load_workbook(io.BytesIO(data))
    book["小学"]["A5"] = cast.school_b.identifier
    buffer = io.BytesIO()
    book.save(buffer)
    batch = imports.preview_import(
        cast.school_a_officer, year, upload(buffer.getvalue()), school=cast.school_a
    )
    assert [e["rule"] for e in batch.summary["errors"]] == ["本校的模板只能填写本校的统计报表"]
    assert cast.school_b.name not in str(batch.summary)
    # Nor for another school at all, nor as a read-only account.
    with pytest.raises(NotAllowed):
        imports.preview_import(cast.school_a_officer, year, upload(data), school=cast.school_b)
    with pytest.raises(NotAllowed):
        imports.preview_import(cast.school_a_teacher, year, upload(data), school=cast.school_a)
    # School B sees nothing of school A's batch.
    other = client_for(cast.school_b_officer)
    assert other.get(reverse("stats:import-detail", args=[batch.pk])).status_code == 404
    assert other.post(reverse("stats:import-apply", args=[batch.pk])).status_code == 404


def test_the_statistics_department_imports_its_bureaus_schools(cast, client_for):
    year = census_year()
    staff = stats_staff(cast.bureau)
    last_year = consistent_values("junior") | {"junior.teachers": 3, "junior.teachers_qualified": 3}
    file_return(cast.school_b, year - 1, last_year)
    file_return(cast.school_a, year, consistent_values("primary"), status=ReturnStatus.SUBMITTED)
    client = client_for(staff)
    download = client.get(reverse("stats:import-template"), {"year": year})
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["小学", "初中"]
    assert book["小学"]["A5"].value == cast.school_a.identifier
    assert book["初中"]["A5"].value == cast.school_b.identifier
    data = fill(download.content, {cast.school_b.identifier: consistent_values("junior")})
    batch = imports.preview_import(staff, year, upload(data))
    # School A's submitted return is unchanged in the workbook: no overwrite, no error.
    assert batch.summary["errors"] == []
    assert batch.summary["counts"] == {"new": 1, "changed": 0, "unchanged": 1}
    (warning,) = batch.summary["warnings"]
    assert warning["sheet"] == "初中" and "初中专任教师比上年（3人）" in warning["rule"]
    page = client.get(reverse("stats:import-detail", args=[batch.pk]))
    assert "变动提醒" in page.text and "初中专任教师比上年" in page.text
    imports.apply_import(staff, batch.pk, loaded=batch.sha256)
    imported = StatReturn.objects.get(school=cast.school_b, school_year__start_year=year)
    assert imported.status == ReturnStatus.DRAFT  # the school explains and submits
    assert imported.import_cells["junior.teachers"].startswith("初中!")
    assert StatReturn.objects.get(school=cast.school_a).status == ReturnStatus.SUBMITTED
    # Other departments and other bureaus' staff may not.
    with pytest.raises(NotAllowed):
        imports.preview_import(cast.safety_staff, year, upload(data))
    assert client_for(cast.safety_staff).get(reverse("stats:import-upload")).status_code == 403
    sibling = client_for(stats_staff(cast.sibling_bureau))
    assert sibling.get(reverse("stats:import-detail", args=[batch.pk])).status_code == 404


def test_a_discarded_preview_changes_nothing_and_cannot_be_applied(cast, client_for):
    year = census_year()
    data = fill(school_template(cast), {cast.school_a.identifier: consistent_values("primary")})
    batch = imports.preview_import(cast.school_a_officer, year, upload(data), school=cast.school_a)
    client = client_for(cast.school_a_officer)
    done = client.post(reverse("stats:import-discard", args=[batch.pk]))
    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    refused = client.post(reverse("stats:import-apply", args=[batch.pk]), follow=True)
    assert "该导入已放弃，不能再次处理" in refused.text
    assert not StatReturn.objects.exists()


def test_a_file_that_is_no_workbook_is_refused_on_the_page(cast, client_for):
    file = io.BytesIO(b"<html><table></table></html>")
    file.name = "returns.xls"
    page = client_for(cast.school_a_officer).post(
        reverse("stats:import-upload"), {"year": census_year(), "file": file}
    )
    assert page.status_code == 200 and "网页（HTML）" in page.text
    assert not ReturnImport.objects.exists()


def test_the_template_is_refused_to_those_who_import_nothing(cast, client_for):
    assert client_for(cast.leader).get(reverse("stats:import-template")).status_code == 403
    assert client_for(cast.inspector).get(reverse("stats:import-upload")).status_code == 403
    assert (
        excel.XLSX_CONTENT_TYPE
        in client_for(cast.school_a_officer).get(reverse("stats:import-template"))["Content-Type"]
    )


def test_the_returns_pages_link_to_the_import(cast, client_for):
    upload_url = reverse("stats:import-upload")
    school = client_for(cast.school_a_officer)
    assert upload_url in school.get(reverse("stats:return-list")).text
    ret = file_return(cast.school_a, census_year(), consistent_values("primary"), status="draft")
    detail = school.get(reverse("stats:return-detail", args=[ret.pk])).text
    assert upload_url in detail and reverse("stats:import-template") in detail
    assert upload_url in client_for(stats_staff(cast.bureau)).get(reverse("stats:return-list")).text
    # Not offered to those who may not import: a read-only account, another department.
    assert (
        upload_url not in client_for(cast.school_a_teacher).get(reverse("stats:return-list")).text
    )
    assert upload_url not in client_for(cast.safety_staff).get(reverse("stats:return-list")).text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_upload_is_previewed_and_confirmed_on_a_phone(
    live_server, cast, phone_page, screenshot, tmp_path
):
    from edubureau.testing.browser import login

    def fits() -> bool:
        return page.evaluate("document.documentElement.scrollWidth") <= 375

    page = phone_page
    base = live_server.url
    login(page, base, "a_officer")
    page.goto(f"{base}/stats/")
    page.click("[data-testid=import-link]")
    page.wait_for_selector("[data-testid=upload-returns]")
    assert fits()
    values = consistent_values("primary")
    bad = tmp_path / "有错误.xlsx"
    bad.write_bytes(
        fill(school_template(cast), {cast.school_a.identifier: values | {"primary.grade1": 41}})
    )
    page.set_input_files("input[name=file]", str(bad))
    page.click("[data-testid=upload-returns]")
    page.wait_for_selector("[data-testid=import-errors]")
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "小学各年级在校生之和（241人）与小学在校生（240人）不一致。" in errors
    assert page.locator("[data-testid=apply-import]").count() == 0
    assert fits()
    screenshot(page, "stats-import-errors-375")

    good = tmp_path / "本校.xlsx"
    good.write_bytes(fill(school_template(cast), {cast.school_a.identifier: values}))
    page.goto(f"{base}/stats/excel/upload/")
    page.set_input_files("input[name=file]", str(good))
    page.click("[data-testid=upload-returns]")
    page.wait_for_selector("[data-testid=apply-import]")
    assert fits()
    screenshot(page, "stats-import-preview-375")
    page.click("[data-testid=apply-import]")
    page.wait_for_selector("[data-testid=import-status]:has-text('已导入')")
    assert StatReturn.objects.get(school=cast.school_a).values == values
