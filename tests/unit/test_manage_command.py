"""A management command as manage.py gets it and as the run names it (playbooks/manage.yml):
the manage_command filter."""

from ansible_collections.superlists_ops.django.plugins.filter.manage_command import manage_command


def test_a_string_is_split_at_spaces_and_named_whole():
    assert manage_command("check --deploy") == {
        "argv": ["check", "--deploy"],
        "said": "check --deploy",
    }


def test_a_list_is_taken_as_it_is():
    command = manage_command(["shell", "-c", "print(1 + 1)"])

    assert command["argv"] == ["shell", "-c", "print(1 + 1)"]


def test_hidden_arguments_leave_the_commands_name_alone():
    command = manage_command(["changepassword", "alice"], no_log=True)

    assert command == {
        "argv": ["changepassword", "alice"],
        "said": "changepassword (arguments hidden)",
    }


def test_no_command_is_no_arguments():
    assert manage_command("") == {"argv": [], "said": ""}
    assert manage_command([], no_log=True) == {"argv": [], "said": ""}
