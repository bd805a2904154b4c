from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from functional_tests.base import FunctionalTest

EMPTY_ITEM_ERROR = "You can't have an empty list item"
DUPLICATE_ITEM_ERROR = "You've already got this in your list"


class ItemValidationTest(FunctionalTest):
    def find_invalid_input(self):
        return self.browser.find_element(By.CSS_SELECTOR, "#id_text:invalid")

    def find_valid_input(self):
        return self.browser.find_element(By.CSS_SELECTOR, "#id_text:valid")

    def submit_bypassing_browser_validation(self):
        # Like a browser that ignores the "required" attribute, so the
        # request reaches the server and its own check has to catch it.
        self.browser.execute_script("document.querySelector('form').noValidate = true;")
        self.get_item_input_box().send_keys(Keys.ENTER)

    def test_cannot_add_empty_list_items(self):
        # Edith goes to the home page and accidentally tries to submit
        # an empty list item. She hits Enter on the empty input box
        self.browser.get(self.live_server_url)
        self.get_item_input_box().send_keys(Keys.ENTER)

        # The browser intercepts the request, and does not load the list page
        self.wait_for(self.find_invalid_input)

        # She starts typing some text for the new item and the error disappears
        self.get_item_input_box().send_keys("Buy milk")
        self.wait_for(self.find_valid_input)

        # And she can submit it successfully
        self.get_item_input_box().send_keys(Keys.ENTER)
        self.wait_for_row_in_list_table("1: Buy milk")

        # Perversely, she now decides to submit a second blank list item
        self.get_item_input_box().send_keys(Keys.ENTER)

        # Again, the browser will not comply
        self.wait_for_row_in_list_table("1: Buy milk")
        self.wait_for(self.find_invalid_input)

        # And she can correct it by filling some text in
        self.get_item_input_box().send_keys("Make tea")
        self.wait_for(self.find_valid_input)
        self.get_item_input_box().send_keys(Keys.ENTER)
        self.wait_for_row_in_list_table("1: Buy milk")
        self.wait_for_row_in_list_table("2: Make tea")

    def test_server_rejects_empty_items_the_browser_lets_through(self):
        # Edith's browser does not enforce required fields. She submits
        # an empty item on the home page and the site tells her off
        self.browser.get(self.live_server_url)
        self.submit_bypassing_browser_validation()
        self.wait_for(lambda: self.assertEqual(self.get_error_element().text, EMPTY_ITEM_ERROR))

        # She fixes it by entering some text
        self.add_list_item("Buy milk")

        # She tries an empty item on her list page, with the same result
        self.submit_bypassing_browser_validation()
        self.wait_for(lambda: self.assertEqual(self.get_error_element().text, EMPTY_ITEM_ERROR))

        # And she fixes it again
        self.add_list_item("Make tea")
        self.wait_for_row_in_list_table("1: Buy milk")

    def test_cannot_add_duplicate_items(self):
        # Edith goes to the home page and starts a new list
        self.browser.get(self.live_server_url)
        self.add_list_item("Buy wellies")

        # She accidentally tries to enter a duplicate item
        self.get_item_input_box().send_keys("Buy wellies")
        self.get_item_input_box().send_keys(Keys.ENTER)

        # She sees a helpful error message
        self.wait_for(lambda: self.assertEqual(self.get_error_element().text, DUPLICATE_ITEM_ERROR))

    def test_error_messages_are_cleared_on_input(self):
        # Edith starts a list and causes a validation error
        self.browser.get(self.live_server_url)
        self.add_list_item("Banter too thick")
        self.get_item_input_box().send_keys("Banter too thick")
        self.get_item_input_box().send_keys(Keys.ENTER)
        self.wait_for(lambda: self.assertTrue(self.get_error_element().is_displayed()))

        # She starts typing in the input box to clear the error
        self.get_item_input_box().send_keys("a")

        # She is pleased to see that the error message disappears
        self.wait_for(lambda: self.assertFalse(self.get_error_element().is_displayed()))
