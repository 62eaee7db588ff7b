from django.db.models.signals import post_save
from django.dispatch import receiver

from secondop.accounts.models import Profile, User, current_language


@receiver(post_save, sender=User)
def create_profile(sender: type[User], instance: User, created: bool, **kwargs: object) -> None:
    if created:
        # In the language the person signed up in (the sign-up form may then choose another).
        Profile.objects.get_or_create(user=instance, defaults={"language": current_language()})
