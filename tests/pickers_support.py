"""Driving a search-as-you-type picker (Tom Select) in a browser test, as a person would."""


def pick(page, select_id: str, typed: str, label: str) -> None:
    """Type `typed` into the picker that replaced <select id=select_id>, then choose the option `label`."""
    control = page.locator(f"#{select_id}-ts-control")
    control.click()
    control.press_sequentially(typed, delay=60)
    option = page.locator(".ts-dropdown:visible .option", has_text=label).first
    option.wait_for(state="visible")
    option.click()
    page.wait_for_function(
        "([id, label]) => { const s = document.getElementById(id); "
        "return s.value !== '' && s.selectedOptions[0] && s.selectedOptions[0].textContent.includes(label); }",
        arg=[select_id, label],
    )
