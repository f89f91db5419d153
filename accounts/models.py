"""What the application keeps about a user beyond Django's auth: preferences and in-app notices."""
from django.conf import settings
from django.db import models

from emgplan import clock


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    email_reminders = models.BooleanField(
        "send me reminder e-mails", default=True,
        help_text="Notices always appear in the application; this only stops the e-mails.",
    )

    def __str__(self):
        return f"Profile of {self.user}"


class Notice(models.Model):
    """A message for one user, shown in the notice list (and usually e-mailed too)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.subject
