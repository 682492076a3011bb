"""factory_boy factories: every test builds exactly the rows it needs."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.models import (
    Citation,
    CitationRole,
    Claim,
    Claimant,
    ClaimantKind,
    Rating,
    Status,
    Topic,
    Verdict,
)
from sources.models import Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        for name in names or ():
            self.groups.add(Group.objects.get(name=name))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ClaimantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claimant

    kind = ClaimantKind.PERSON
    name = factory.Sequence(lambda n: f"Claimant {n}")
    slug = factory.Sequence(lambda n: f"claimant-{n}")
    country = "UA"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    publisher = "Example News"


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Statement number {n} about the talks.")
    claimant = factory.SubFactory(ClaimantFactory)
    claimed_on = datetime.date(2022, 4, 6)
    slug = factory.Sequence(lambda n: f"claim-{n}")
    status = Status.DRAFT


class VerdictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Verdict

    claim = factory.SubFactory(ClaimFactory)
    rating = Rating.FALSE
    headline = factory.Sequence(lambda n: f"Verdict headline {n}")
    reasoning = "Because the evidence says otherwise."
    author_name = "Desk"


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    role = CitationRole.REFUTES


def published_claim(**kwargs) -> Claim:
    """A claim as the workflow leaves it after publishing: current verdict, evidence, dates."""
    from claims import workflow

    claim = ClaimFactory(**kwargs)
    CitationFactory(claim=claim)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="False", reasoning="No.")
    workflow.submit_for_review(claim, user=None)
    return workflow.publish_claim(claim, user=None)
