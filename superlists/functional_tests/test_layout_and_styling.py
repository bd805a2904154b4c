from functional_tests.base import WINDOW_SIZE, FunctionalTest


class LayoutAndStylingTest(FunctionalTest):
    def assert_input_box_is_centred(self):
        inputbox = self.get_item_input_box()
        self.assertAlmostEqual(
            inputbox.location["x"] + inputbox.size["width"] / 2,
            WINDOW_SIZE[0] / 2,
            delta=10,
        )

    def test_layout_and_styling(self):
        # Edith goes to the home page on her 1024x768 screen
        self.browser.get(self.live_server_url)

        # She notices the input box is nicely centred
        self.assert_input_box_is_centred()

        # She starts a new list and sees the input is nicely
        # centred there too
        self.add_list_item("testing")
        self.assert_input_box_is_centred()
