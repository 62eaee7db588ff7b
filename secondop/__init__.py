# The Celery app is loaded when Django is (SecondopConfig.ready), and by `celery -A secondop`, which finds
# secondop.celery on its own; importing it here would load Celery and Django into every process that only
# imports the package, such as the supervisor of `python -m secondop.run`.
