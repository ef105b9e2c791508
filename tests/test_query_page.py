"""The query page in headless Chromium (Debian's chromium + chromium-driver, driven by selenium):
examples load, a query runs, results show as a table with IRIs as local links, errors show."""

from __future__ import annotations

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


def test_page_runs_example_and_links_iris(server: str, browser) -> None:
    browser.get(server + "/sparql")
    wait = WebDriverWait(browser, 20)
    from kg.store.queries import library
    expected = len(library()) + 1  # one option per library query, plus the placeholder
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#examples option")) == expected)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#prefixes code"))
    prefixes = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#prefixes code")]
    assert "rkg:" in prefixes and "skos:" in prefixes
    browser.find_element(By.ID, "run").click()  # the default query: the 10 cancer domains
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "rows"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert len(rows) == 10
    assert browser.find_element(By.ID, "status").text.startswith("10 rows in")
    first = rows[0].find_element(By.TAG_NAME, "a")
    assert first.get_attribute("href") == server + "/domain/G1"
    assert rows[0].find_elements(By.TAG_NAME, "td")[1].text == "G1"
    Select(browser.find_element(By.ID, "examples")).select_by_value("centres-by-domain")
    assert "rkg:coversDomain" in browser.find_element(By.ID, "query").get_attribute("value")
    assert "?domain (iri)" in browser.find_element(By.ID, "example-description").text
    browser.find_element(By.ID, "run").click()
    wait.until(lambda d: "rows" in d.find_element(By.ID, "status").text
               and not d.find_element(By.ID, "status").text.startswith("10 rows"))
    links = browser.find_elements(By.CSS_SELECTOR, "#results tbody a[href*='/centre/']")
    assert links and all(a.get_attribute("href").startswith(server + "/centre/") for a in links)
    links[0].click()  # follow an IRI: the centre's own page on this server
    wait.until(EC.presence_of_element_located((By.ID, "label")))
    assert browser.find_element(By.ID, "iri").text.startswith("https://w3id.org/rarekg/centre/")


def test_page_shows_parser_error_and_downloads(server: str, browser) -> None:
    browser.get(server + "/sparql")
    box = browser.find_element(By.ID, "query")
    box.clear()
    box.send_keys("SELECT ?s WHERE { ?s ?p }")
    browser.find_element(By.ID, "run").click()
    wait = WebDriverWait(browser, 20)
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "400"))
    assert "line 1, column 26" in browser.find_element(By.ID, "status").text
    box.clear()
    box.send_keys("CONSTRUCT { ?d skos:notation ?n } WHERE { ?d a rkg:CancerDomain ; skos:notation ?n }")
    browser.find_element(By.ID, "run").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "triples"))
    assert browser.find_element(By.CSS_SELECTOR, "pre.graph").text.count("skos:notation") == 10
    # the download link each format produces is a plain GET the endpoint answers in that format
    href = browser.execute_script(
        "const p = new URLSearchParams({query: document.getElementById('query').value, format: 'ntriples'});"
        "return '/sparql?' + p.toString();")
    text = browser.execute_script("return fetch(arguments[0]).then(r => r.text());", href)
    assert len(text.strip().splitlines()) == 10
