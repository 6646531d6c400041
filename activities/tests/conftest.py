from organizers.tests.admin_support import records  # noqa: F401  (a fixture shared by the admin tests)
